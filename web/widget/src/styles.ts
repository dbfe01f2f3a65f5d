/** The widget's look, inside its shadow root so the host page's styles and ours never meet. */
export const STYLES = `
/* The host page's own rules reach the element itself and beat :host, hence !important on where it sits. */
:host { all: initial !important; display: block !important; position: fixed !important; right: 20px !important; bottom: 20px !important; left: auto !important; top: auto !important; z-index: 2147483000 !important; }
/* Inside, nothing of the page applies but inherited properties: set them all here. */
.frame { all: initial; display: flex; flex-direction: column; align-items: flex-end; font: 14px/1.45 system-ui, sans-serif; color: #1f2328; }
button { font: inherit; cursor: pointer; }
.launcher { width: 56px; height: 56px; border-radius: 50%; border: 0; background: var(--frontline-accent, #2563eb); color: #fff; box-shadow: 0 4px 14px rgba(0,0,0,.25); display: grid; place-items: center; }
.launcher svg { width: 26px; height: 26px; fill: currentColor; }
.panel { display: none; flex-direction: column; width: min(370px, calc(100vw - 40px)); height: min(560px, calc(100vh - 100px)); background: #fff; border-radius: 12px; box-shadow: 0 8px 30px rgba(0,0,0,.25); overflow: hidden; margin-bottom: 12px; }
:host([open]) .panel { display: flex; }
.panel, .panel * { box-sizing: border-box; }
header { background: var(--frontline-accent, #2563eb); color: #fff; padding: 12px 14px; display: flex; justify-content: space-between; align-items: center; }
header .status { font-size: 12px; opacity: .85; }
.log { flex: 1; overflow-y: auto; padding: 12px; display: flex; flex-direction: column; gap: 8px; background: #f6f8fa; }
.msg { max-width: 85%; padding: 8px 11px; border-radius: 10px; white-space: pre-wrap; word-wrap: break-word; }
.msg.customer { align-self: flex-end; background: var(--frontline-accent, #2563eb); color: #fff; }
.msg.assistant, .msg.agent { align-self: flex-start; background: #fff; border: 1px solid #d0d7de; }
.msg .author { display: block; font-size: 12px; font-weight: 600; margin-bottom: 2px; color: #57606a; }
.msg ol { margin: 6px 0 0; padding-left: 18px; font-size: 12px; color: #57606a; }
.note { align-self: center; font-size: 12px; color: #57606a; text-align: center; }
.note.error { color: #cf222e; }
.typing { align-self: flex-start; font-size: 12px; color: #57606a; }
form { display: flex; gap: 6px; padding: 10px; border-top: 1px solid #d0d7de; background: #fff; }
textarea { flex: 1; resize: none; font: inherit; padding: 8px; border: 1px solid #d0d7de; border-radius: 8px; height: 38px; }
form button { border: 0; border-radius: 8px; padding: 0 14px; background: var(--frontline-accent, #2563eb); color: #fff; }
`;
