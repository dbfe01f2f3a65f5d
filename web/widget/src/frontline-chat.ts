/**
 * <frontline-chat>: the chat for a business's own site. One script tag and one element:
 *
 *   <script src="https://support.example.com/widget.js" defer></script>
 *   <frontline-chat heading="Acme support"></frontline-chat>
 *
 * Attributes: `server` (default: where widget.js came from), `heading`, `open` (start opened), `customer-id` and
 * `customer-signature` (a customer your backend vouches for; see CUSTOMER_IDENTITY_SECRET). Everything it shows is
 * set as text, never as HTML, so nothing a reply or a document says can run in the host page.
 */
import { FrontlineClient, type ServerFrame, type Source, type StoredMessage } from './client.js';
import { STYLES } from './styles.js';

/** The origin widget.js was loaded from: the default server. */
const SCRIPT_ORIGIN = (() => {
  const script = document.currentScript as HTMLScriptElement | null;
  return script?.src ? new URL(script.src).origin : location.origin;
})();

function element<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** A speech bubble, drawn (no icon font or emoji font is needed on the visitor's machine). */
function chatIcon(): SVGSVGElement {
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  const bubble = document.createElementNS('http://www.w3.org/2000/svg', 'path');
  bubble.setAttribute('d', 'M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4H4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2z');
  svg.append(bubble);
  return svg;
}

export class FrontlineChat extends HTMLElement {
  private readonly root = this.attachShadow({ mode: 'open' });
  private client: FrontlineClient | undefined;
  private log!: HTMLDivElement;
  private statusLine!: HTMLSpanElement;
  private typing: HTMLDivElement | undefined;
  /** The reply being streamed, by the id of the message it answers. */
  private readonly streaming = new Map<string, HTMLDivElement>();

  connectedCallback(): void {
    if (this.client) return;
    this.render();
    const server = (this.getAttribute('server') ?? SCRIPT_ORIGIN).replace(/\/+$/, '');
    this.client = new FrontlineClient({
      server,
      customerId: this.getAttribute('customer-id') ?? undefined,
      customerSignature: this.getAttribute('customer-signature') ?? undefined,
      onFrame: (frame) => this.onFrame(frame),
      onStatus: (status) => (this.statusLine.textContent = status === 'online' ? 'online' : status === 'connecting' ? 'connecting…' : 'reconnecting…'),
      onResync: (messages) => {
        this.log.replaceChildren();
        this.typing = undefined;
        this.streaming.clear();
        messages.forEach((message) => this.show(message));
      },
    });
    this.client.start().then(
      (history) => history.forEach((message) => this.show(message)),
      (error: Error) => this.note(`The chat is unavailable: ${error.message}`, true),
    );
  }

  disconnectedCallback(): void {
    this.client?.close();
    this.client = undefined;
  }

  private render(): void {
    const style = element('style', undefined, STYLES);
    const panel = element('div', 'panel');
    const header = element('header');
    header.append(element('strong', undefined, this.getAttribute('heading') ?? 'Support'));
    this.statusLine = element('span', 'status', 'connecting…');
    header.append(this.statusLine);
    this.log = element('div', 'log');
    this.log.setAttribute('role', 'log');
    this.log.setAttribute('aria-live', 'polite');
    const form = element('form');
    const input = element('textarea');
    input.placeholder = 'Ask a question…';
    input.setAttribute('aria-label', 'Your message');
    form.append(input, element('button', undefined, 'Send'));
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.submit(input);
    });
    input.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && !event.shiftKey) {
        event.preventDefault();
        this.submit(input);
      }
    });
    panel.append(header, this.log, form);
    const launcher = element('button', 'launcher');
    launcher.append(chatIcon());
    launcher.setAttribute('aria-label', 'Open the chat');
    launcher.addEventListener('click', () => this.toggleAttribute('open'));
    this.root.append(style, panel, launcher);
  }

  private submit(input: HTMLTextAreaElement): void {
    const text = input.value.trim();
    if (!text || !this.client) return;
    input.value = '';
    this.show({ id: '', role: 'customer', content: text, sources: [] });
    this.client.send(text);
  }

  private onFrame(frame: ServerFrame): void {
    switch (frame.type) {
      case 'typing':
        this.setTyping(true);
        break;
      case 'token': {
        this.setTyping(false);
        const key = frame.id ?? '';
        let bubble = this.streaming.get(key);
        if (!bubble) this.streaming.set(key, (bubble = this.bubble('assistant')));
        bubble.append(frame.delta);
        this.scrollToEnd();
        break;
      }
      case 'reply': {
        this.setTyping(false);
        const key = frame.id ?? '';
        const streamed = this.streaming.get(key);
        this.streaming.delete(key);
        streamed?.remove();
        // The final reply is authoritative: it replaces what was streamed.
        if (frame.reply) this.show({ id: '', role: 'assistant', content: frame.reply, sources: frame.sources });
        break;
      }
      case 'agent_joined':
        this.note(`${frame.author} joined the conversation`);
        break;
      case 'message':
        this.show(frame);
        break;
      case 'resolved':
        this.note('The conversation was marked as resolved. Write again any time.');
        break;
      case 'error':
        this.setTyping(false);
        this.note(frame.message, true);
        break;
    }
  }

  private show(message: StoredMessage): void {
    if (message.role !== 'customer' && message.role !== 'assistant' && message.role !== 'agent') return;
    const bubble = this.bubble(message.role);
    if (message.role === 'agent') bubble.append(element('span', 'author', message.author ?? 'Support team'));
    bubble.append(message.content);
    if (message.sources.length > 0) bubble.append(this.sources(message.sources));
    this.scrollToEnd();
  }

  private sources(sources: Source[]): HTMLOListElement {
    const list = element('ol');
    list.setAttribute('aria-label', 'Sources');
    for (const source of sources) list.append(element('li', undefined, source.title));
    return list;
  }

  private bubble(role: 'customer' | 'assistant' | 'agent'): HTMLDivElement {
    const bubble = element('div', `msg ${role}`);
    this.log.insertBefore(bubble, this.typing ?? null);
    return bubble;
  }

  private note(text: string, error = false): void {
    this.log.append(element('div', error ? 'note error' : 'note', text));
    this.scrollToEnd();
  }

  private setTyping(on: boolean): void {
    if (on && !this.typing) this.log.append((this.typing = element('div', 'typing', 'typing…')));
    if (!on) {
      this.typing?.remove();
      this.typing = undefined;
    }
    this.scrollToEnd();
  }

  private scrollToEnd(): void {
    this.log.scrollTop = this.log.scrollHeight;
  }
}

if (!customElements.get('frontline-chat')) customElements.define('frontline-chat', FrontlineChat);
