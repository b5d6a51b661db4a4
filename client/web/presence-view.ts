/**
 * Presence in the open editor: announces this editor's selection (rate-limited, with a heartbeat,
 * `leaving` on close) through announcePresence, follows onPresence, lists who else is here and draws
 * their carets and selections over the textarea: a transparent mirror with the same text, font and
 * wrapping, in which each remote caret is a zero-width mark at its offset.
 */
import { colorFor, showError, ui } from './ui.ts';
import { Announcer, PresenceBoard, type RemoteSession } from './presence.ts';
import type { AppContext, EditorHooks, OpenEditor } from './editor-panel.ts';
import { NetworkError, NotFoundError } from '../sdk/browser.ts';

/** Versions of the text kept to place announcements made against a slightly older version. */
const KEPT_VERSIONS = 50;

export function presencePlugin(app: () => AppContext | undefined): (o: OpenEditor) => EditorHooks {
  return (o) => {
    const a = app()!;
    const fileId = o.file.fileId;
    const sessionId = globalThis.crypto.randomUUID();
    const board = new PresenceBoard(sessionId);
    const texted = o.file.encoding === 'TEXT';
    const texts = new Map<number, string>([[o.file.version, o.file.content]]);
    const ta = ui.content;

    const selection = () => {
      if (!texted) return { anchor: 0, head: 0 };
      const backward = ta.selectionDirection === 'backward';
      return { anchor: backward ? ta.selectionEnd : ta.selectionStart, head: backward ? ta.selectionStart : ta.selectionEnd };
    };
    const send = (leaving = false) =>
      a.api.announcePresence({ fileId, sessionId, name: a.me.email, version: o.file.version, leaving, ...selection() }).catch((e: unknown) => {
        // A lost announcement is replaced by the next one (or, on leaving, by the others' expiry); a
        // deleted file is the editor's to say; anything else (Forbidden, ...) is shown while it is open.
        if (!leaving && !(e instanceof NetworkError) && !(e instanceof NotFoundError)) showError(e, 'presence');
      });
    const announcer = new Announcer(() => void send());

    const render = () => {
      const sessions = board.list();
      ui.presence.replaceChildren(
        ...sessions.map((s) => {
          const li = document.createElement('li');
          li.dataset.user = s.userId;
          li.dataset.session = s.sessionId;
          li.style.setProperty('--c', colorFor(s.userId));
          li.textContent = s.name;
          return li;
        }),
      );
      drawCarets(texted ? ta.value : '', texted ? sessions : []);
    };

    const stopSub = a.api.onPresence(fileId, {
      next: (p) => {
        // Someone new: tell them about me now rather than at my next heartbeat.
        if (board.receive(p, Date.now(), ta.value, (v) => texts.get(v))) announcer.poke();
        render();
      },
      ready: () => announcer.poke(),
      error: (e) => showError(e, 'presence'),
    });
    const expiry = setInterval(() => board.expire(Date.now()) && render(), 1_000);
    const onScroll = () => (ui.carets.scrollTop = ta.scrollTop);
    ta.addEventListener('scroll', onScroll);
    announcer.poke();
    render();

    return {
      textChanged: (before, after) => {
        board.textChanged(before, after);
        render();
      },
      caretMoved: () => announcer.poke(),
      versionChanged: (version) => {
        texts.set(version, o.file.content);
        for (const v of texts.keys()) if (texts.size > KEPT_VERSIONS && v < version) texts.delete(v);
        announcer.poke();
      },
      close: () => {
        announcer.stop();
        clearInterval(expiry);
        ta.removeEventListener('scroll', onScroll);
        void send(true);
        stopSub();
        ui.presence.replaceChildren();
        ui.carets.replaceChildren();
      },
    };
  };
}

/** The mirror: the text cut at every remote selection boundary, selections marked, carets as zero-width marks. */
function drawCarets(text: string, sessions: RemoteSession[]): void {
  const cuts = [...new Set([0, text.length, ...sessions.flatMap((s) => [s.anchor, s.head])])].sort((x, y) => x - y);
  const nodes: Node[] = [];
  const caretsAt = (at: number) => {
    for (const s of sessions) {
      if (s.head !== at) continue;
      const c = document.createElement('span');
      c.className = 'caret';
      c.dataset.session = s.sessionId;
      c.dataset.user = s.userId;
      c.dataset.name = s.name;
      c.dataset.offset = String(s.head);
      c.style.setProperty('--c', colorFor(s.userId));
      c.textContent = '\u200b';
      nodes.push(c);
    }
  };
  for (let i = 0; i + 1 < cuts.length || i === 0; i++) {
    const from = cuts[i]!;
    const to = cuts[i + 1] ?? from;
    caretsAt(from);
    if (to <= from) break;
    const piece = text.slice(from, to);
    const by = sessions.find((s) => s.anchor !== s.head && Math.min(s.anchor, s.head) <= from && to <= Math.max(s.anchor, s.head));
    if (by) {
      const m = document.createElement('mark');
      m.dataset.session = by.sessionId;
      m.style.setProperty('--c', colorFor(by.userId));
      m.textContent = piece;
      nodes.push(m);
    } else nodes.push(document.createTextNode(piece));
    if (i + 2 === cuts.length) caretsAt(to);
  }
  // A trailing newline needs something after it to take up its line, as in the textarea.
  nodes.push(document.createTextNode('\u200b'));
  ui.carets.replaceChildren(...nodes);
  ui.carets.style.height = `${ui.content.offsetHeight}px`;
  ui.carets.scrollTop = ui.content.scrollTop;
}
