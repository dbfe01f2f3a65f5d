/**
 * <frontline-chat>: the chat for a business's own site. One script tag and one element:
 *
 *   <script src="https://support.example.com/widget.js" defer></script>
 *   <frontline-chat heading="Acme support"></frontline-chat>
 *
 * Attributes: `server` (default: where widget.js came from), `heading`, `open` (start opened), `customer-id` and
 * `customer-signature` (a customer your backend vouches for; see CUSTOMER_IDENTITY_SECRET). Everything it shows is
 * set as text, never as HTML, so nothing a reply, a document title or a name says can run in the host page.
 */
import { FrontlineClient, type ServerFrame, type Source, type StoredMessage } from './client.js';
import { STYLES } from './styles.js';

/** The server refuses longer messages (MAX_MESSAGE_CHARS). */
const MAX_MESSAGE_CHARS = 4000;

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

/** Our styles as a constructed sheet where the browser has them: a host page's CSP `style-src` does not block those. */
function applyStyles(root: ShadowRoot): void {
  if ('adoptedStyleSheets' in root && typeof CSSStyleSheet === 'function' && 'replaceSync' in CSSStyleSheet.prototype) {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(STYLES);
    root.adoptedStyleSheets = [sheet];
  } else {
    root.append(element('style', undefined, STYLES));
  }
}

export class FrontlineChat extends HTMLElement {
  private readonly root = this.attachShadow({ mode: 'open' });
  private client: FrontlineClient | undefined;
  private log!: HTMLDivElement;
  private input!: HTMLTextAreaElement;
  private launcher!: HTMLButtonElement;
  private statusLine!: HTMLSpanElement;
  private typing: HTMLDivElement | undefined;
  /** The reply being streamed, by the id of the message it answers. */
  private readonly streaming = new Map<string, HTMLDivElement>();

  static get observedAttributes(): string[] {
    return ['open'];
  }

  connectedCallback(): void {
    if (this.client) return;
    if (!this.log) this.render(); // once: an element moved in the page keeps its shadow tree
    const server = (this.getAttribute('server') ?? SCRIPT_ORIGIN).replace(/\/+$/, '');
    const client = new FrontlineClient({
      server,
      customerId: this.getAttribute('customer-id') ?? undefined,
      customerSignature: this.getAttribute('customer-signature') ?? undefined,
      onFrame: (frame) => this.onFrame(frame),
      onStatus: (status) => (this.statusLine.textContent = status === 'online' ? 'online' : status === 'connecting' ? 'connecting…' : 'reconnecting…'),
      onResync: (messages, waiting) => this.showAll(messages, waiting),
      onLost: (reason) =>
        this.note(reason === 'ended' ? 'This conversation has ended; a new one is starting.' : 'This conversation cannot be continued from this browser.', true),
    });
    this.client = client;
    client.start().then(
      (history) => this.client === client && this.showAll(history, []),
      (error: Error) => this.note(`The chat is unavailable: ${error.message}`, true),
    );
  }

  disconnectedCallback(): void {
    this.client?.close();
    this.client = undefined;
  }

  attributeChangedCallback(): void {
    if (!this.launcher) return;
    const open = this.hasAttribute('open');
    this.launcher.setAttribute('aria-expanded', String(open));
    this.launcher.setAttribute('aria-label', open ? 'Close the chat' : 'Open the chat');
  }

  private render(): void {
    applyStyles(this.root);
    const frame = element('div', 'frame');
    const panel = element('div', 'panel');
    panel.id = 'frontline-panel';
    const header = element('header');
    header.append(element('strong', undefined, this.getAttribute('heading') ?? 'Support'));
    this.statusLine = element('span', 'status', 'connecting…');
    this.statusLine.setAttribute('role', 'status');
    header.append(this.statusLine);
    this.log = element('div', 'log');
    this.log.setAttribute('role', 'log');
    this.log.setAttribute('aria-live', 'polite');
    const form = element('form');
    this.input = element('textarea');
    this.input.placeholder = 'Ask a question…';
    this.input.maxLength = MAX_MESSAGE_CHARS;
    this.input.setAttribute('aria-label', 'Your message');
    form.append(this.input, element('button', undefined, 'Send'));
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.submit();
    });
    this.input.addEventListener('keydown', (event) => {
      // Enter sends, Shift+Enter is a new line, and Enter that ends an IME composition (Japanese, Chinese…) is not a send.
      if (event.key === 'Enter' && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
        event.preventDefault();
        this.submit();
      }
    });
    panel.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') {
        this.removeAttribute('open');
        this.launcher.focus();
      }
    });
    panel.append(header, this.log, form);
    this.launcher = element('button', 'launcher');
    this.launcher.append(chatIcon());
    this.launcher.setAttribute('aria-controls', panel.id);
    this.launcher.addEventListener('click', () => {
      this.toggleAttribute('open');
      if (this.hasAttribute('open')) this.input.focus();
    });
    this.attributeChangedCallback();
    frame.append(panel, this.launcher);
    this.root.append(frame);
  }

  private submit(): void {
    const text = this.input.value.trim();
    if (!text || !this.client) return;
    if (text.length > MAX_MESSAGE_CHARS) return this.note(`A message can be at most ${MAX_MESSAGE_CHARS} characters.`, true);
    this.input.value = '';
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
        if (!bubble) {
          this.streaming.set(key, (bubble = this.bubble('assistant')));
          bubble.setAttribute('aria-busy', 'true'); // read out once complete, not token by token
        }
        bubble.append(frame.delta);
        this.scrollToEnd();
        break;
      }
      case 'reply':
        this.setTyping(false);
        this.dropStreamed(frame.id);
        // The final reply is authoritative: it replaces what was streamed.
        if (frame.reply) this.show({ id: '', role: 'assistant', content: frame.reply, sources: frame.sources });
        break;
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
        this.dropStreamed(frame.id); // a reply cut short by an error is not an answer
        this.note(frame.code === 'RATE_LIMITED' ? 'Too many messages at once: please wait a moment and send it again.' : frame.message, true);
        break;
    }
  }

  /** The whole conversation (the transcript, then what is typed but not sent yet), replacing what is shown. */
  private showAll(messages: StoredMessage[], waiting: string[]): void {
    this.log.replaceChildren();
    this.typing = undefined;
    this.streaming.clear();
    messages.forEach((message) => this.show(message));
    waiting.forEach((content) => this.show({ id: '', role: 'customer', content, sources: [] }));
  }

  private dropStreamed(id: string | undefined): void {
    const key = id ?? '';
    this.streaming.get(key)?.remove();
    this.streaming.delete(key);
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
