'use strict';
// A small Slack-like client for the local sandbox. It only talks to the same-origin
// stand-in API (/api/*); no build step, no external resources, so it works offline.
// Loaded last, after mrkdwn.js (text), blockkit.js (Block Kit) and modals.js (views).

const REFRESH_MIN_INTERVAL_MS = 100; // replies stream as many edits/s; refetch at most 10×/s
const AT_BOTTOM_SLACK_PX = 48; // "at the bottom" tolerance when deciding to keep scrolled down
const USER_STORAGE_KEY = 'sandbox.user';

const state = {
  boot: null, me: null, channelId: null, threadTs: null, // me: the person "you" are
  page: 'channel', // or 'home': the App Home tab replaces the message list
  unread: new Set(),
  stick: { main: true, thread: true }, // force a scroll to the bottom on the next render
};
const $ = (id) => document.getElementById(id);

/** A new element; `attrs` go through setAttribute so data-testid and friends stay literal. */
function element(tag, className, attrs = {}, html = '') {
  const el = document.createElement(tag);
  el.className = className;
  Object.entries(attrs).forEach(([name, value]) => el.setAttribute(name, value));
  el.innerHTML = html;
  return el;
}

// ------------------------------------------------------------------ small helpers

/** Slack ts strings are "seconds.micro"; compare them exactly rather than as floats. */
function compareTs(a, b) {
  const [ai, af = '0'] = a.split('.');
  const [bi, bf = '0'] = b.split('.');
  return Number(ai) - Number(bi) || Number(af.padEnd(6, '0')) - Number(bf.padEnd(6, '0'));
}

/** The page's one time format (time.js): HH:MM in the reader's zone, the rest in a tooltip. */
function formatTime(ts) {
  const date = dateOfTs(ts);
  return { short: clockTime(date), full: fullTime(date), iso: date.toISOString() };
}

async function getJSON(url) {
  const response = await fetch(url, { cache: 'no-store' });
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return response.json();
}

/**
 * POST that always resolves to Slack's {ok, error} shape so callers show one kind of error;
 * other fields of a refusal (a view submission's `errors`) are passed through.
 */
async function postJSON(url, body) {
  try {
    const response = await fetch(url, {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body),
    });
    const data = await response.json().catch(() => ({}));
    if (response.ok && data.ok === true) return data;
    return { ...data, ok: false, error: data.error || `HTTP ${response.status}` };
  } catch (err) {
    return { ok: false, error: `network error (${err.message})` };
  }
}

// ------------------------------------------------------------------ directory lookups

const bot = () => state.boot.bot;
const person = (id) => state.boot.people.find((p) => p.id === id);
const channel = (id) => state.boot.channels.find((c) => c.id === id);
const myDm = () => state.boot.channels.find((c) => c.is_im && c.user === state.me);

const isVisibleChannel = (ch) => Boolean(ch) && (!ch.is_im || ch.user === state.me);

/** Slack clients show blocks instead of `text` when a message has them. */
function fillMessageBody(target, msg, surface) {
  if (Array.isArray(msg.blocks) && msg.blocks.length) target.append(renderBlocks(msg.blocks, surface));
  else target.innerHTML = renderMrkdwn(msg.stream ? streamedText(msg.text) : msg.text);
  if (msg.stream) target.append(renderStreamView(msg)); // streams.js: a plan, a live cursor
  return target;
}

// ------------------------------------------------------------------ message elements

/** Who a message is from, as shown: persona for bot posts, the person otherwise. */
function authorOf(msg) {
  if (msg.bot_id || msg.user === bot().user_id) {
    const name = msg.username || bot().name;
    return { name, username: name, isApp: true, emoji: emojiFor(msg.icons?.emoji), key: name };
  }
  const who = person(msg.user);
  return { name: who?.real_name || msg.user || 'unknown', username: who?.name || msg.user, isApp: false, emoji: null, key: msg.user || '' };
}

function avatarHtml(author) {
  if (author.emoji || (author.isApp && agentByName(author.name))) return agentAvatarHtml(author); // avatars.js
  const initials = author.name.replace(/\(.*\)/, '').trim().split(/\s+/).map((w) => w[0]).join('').slice(0, 2).toUpperCase();
  const hue = [...author.key].reduce((h, c) => (h * 31 + c.charCodeAt(0)) % 360, 7);
  const color = author.isApp ? '#611f69' : `hsl(${hue} 45% 42%)`;
  return `<div class="avatar" style="background:${color}" aria-hidden="true">${escapeHtml(initials)}</div>`;
}

function metaHtml(author, ts, extra = '') {
  const time = formatTime(ts);
  return `<div class="msg-meta"><span class="msg-name">${escapeHtml(author.name)}</span>`
    + `${author.isApp ? '<span class="app-badge">APP</span>' : ''}`
    + `<time datetime="${time.iso}" title="${escapeHtml(time.full)}">${time.short}</time>${extra}</div>`;
}

function buildMessage(msg, { showThreadLink }) {
  const author = authorOf(msg);
  const edited = msg.edited ? '<span class="edited">(edited)</span>' : '';
  const replies = Number(msg.reply_count || 0);
  const threadLink = showThreadLink && replies > 0
    ? `<div class="thread-summary"><button type="button" class="thread-link" data-testid="thread-link" data-open-thread="${escapeHtml(msg.ts)}">${replies} ${replies === 1 ? 'reply' : 'replies'}</button>`
      + `${msg.latest_reply ? `<span class="thread-last">Last reply ${formatTime(msg.latest_reply).short}</span>` : ''}</div>`
    : '';
  const reply = showThreadLink
    ? `<button type="button" data-testid="reply-in-thread" data-open-thread="${escapeHtml(msg.ts)}">💬 Reply in thread</button>`
    : '';
  const actions = `<div class="msg-actions">${reply}${moreActionsHtml(msg)}</div>`; // shortcuts.js
  const row = element('div', 'msg', { 'data-testid': 'message', 'data-ts': msg.ts, 'data-username': author.username },
    `${avatarHtml(author)}<div class="msg-body">${metaHtml(author, msg.ts, edited)}`
    + `<div class="msg-text" data-testid="message-text"></div>${threadLink}</div>${actions}`);
  fillMessageBody(row.querySelector('.msg-text'), msg, { kind: 'message', channel: state.channelId, ts: msg.ts });
  collapseLong(row.querySelector('.msg-text'), msg); // collapse.js: "Show more"
  return row;
}

/** Ephemerals come from the app and are only ever shown to the person they were sent to. */
function buildEphemeral(eph) {
  const author = { name: bot().name, username: bot().name, isApp: true, emoji: null, key: 'app' };
  const marker = '<span class="only-you">👁 Only visible to you</span>';
  const row = element('div', 'msg ephemeral', { 'data-testid': 'ephemeral', 'data-ts': eph.message_ts },
    `${avatarHtml(author)}<div class="msg-body">${metaHtml(author, eph.message_ts, marker)}`
    + '<div class="msg-text" data-testid="ephemeral-text"></div></div>');
  const surface = { kind: 'message', channel: state.channelId, ts: eph.message_ts, ephemeral: true };
  fillMessageBody(row.querySelector('.msg-text'), eph, surface);
  return row;
}

/**
 * Requests a newcomer can try with one click: each runs a real flow of the department.
 * A slash command is typed as is; anything else is addressed to the app in a channel.
 * One list for the page, the CMO's welcome and the assistant pane: bots/examples.toml.
 */
const tryExamples = () => (state.boot.examples || []).map((e) => [e.label, e.text]);

function buildIntro(ch) {
  const intro = element('div', 'intro', {}, ch.is_im
    ? `<h3>${escapeHtml(bot().name)}</h3><p>This is your direct message with the marketing department. No @mention needed — just ask.</p>`
    : `<h3># ${escapeHtml(ch.name)}</h3><p>This is the very beginning of <b>#${escapeHtml(ch.name)}</b>. Mention <span class="mention">@${escapeHtml(bot().name)}</span> to ask the department.</p>`);
  const prefix = ch.is_im ? '' : `@${bot().name} `;
  const examples = element('div', 'try', { 'data-testid': 'try' }, '<span>Try:</span>');
  for (const [label, text] of tryExamples()) {
    const typed = text.startsWith('/') ? text : prefix + text;
    const chip = element('button', 'try-chip', { type: 'button', 'data-testid': 'try-example', title: typed });
    chip.textContent = label;
    chip.addEventListener('click', () => tryExample(typed));
    examples.append(chip);
  }
  intro.append(examples);
  return intro;
}

/** Put an example in the composer (the person still presses Enter, as in Slack). */
function tryExample(text) {
  const textarea = $('main-composer').querySelector('textarea');
  textarea.value = text;
  textarea.dispatchEvent(new Event('input', { bubbles: true }));
  textarea.focus();
}

/**
 * Keyed update of a list: only nodes whose data changed are rebuilt, so a reply that is
 * edited many times a second does not re-layout (or lose hover/selection on) the rest.
 */
const signatures = new WeakMap();
function syncList(container, items) {
  const existing = new Map([...container.children].map((el) => [el.dataset.key, el]));
  let previous = null;
  for (const item of items) {
    let el = existing.get(item.key);
    existing.delete(item.key);
    if (!el || signatures.get(el) !== item.sig) {
      const fresh = item.build();
      fresh.dataset.key = item.key;
      signatures.set(fresh, item.sig);
      if (el) el.replaceWith(fresh);
      el = fresh;
    }
    const wanted = previous ? previous.nextSibling : container.firstChild;
    if (wanted !== el) container.insertBefore(el, wanted);
    previous = el;
  }
  existing.forEach((el) => el.remove());
}

function messageItems(messages, ephemerals, showThreadLink) {
  const rows = [
    ...messages.map((m) => ({ ts: m.ts, key: `m${m.ts}`, sig: JSON.stringify(m), build: () => buildMessage(m, { showThreadLink }) })),
    ...ephemerals.map((e) => ({ ts: e.message_ts, key: `e${e.message_ts}`, sig: JSON.stringify(e), build: () => buildEphemeral(e) })),
  ];
  return rows.sort((a, b) => compareTs(a.ts, b.ts));
}

function isAtBottom(list) {
  return list.scrollHeight - list.scrollTop - list.clientHeight < AT_BOTTOM_SLACK_PX;
}

/** Re-render a list, keeping it pinned to the bottom if the reader was already there. */
function renderList(list, which, items) {
  const stick = state.stick[which] || isAtBottom(list);
  syncList(list, items);
  if (stick) list.scrollTop = list.scrollHeight;
  state.stick[which] = false;
}

function renderChannel(messages, ephemerals) {
  const ch = channel(state.channelId);
  const intro = { key: `intro-${ch.id}`, sig: state.me, build: () => buildIntro(ch) };
  const rows = messageItems(messages, ephemerals.filter((e) => !e.thread_ts), true);
  renderList($('message-list'), 'main', [intro, ...rows]);
}

function renderThread(messages, ephemerals) {
  const [parent, ...replies] = messages;
  const own = ephemerals.filter((e) => e.thread_ts === state.threadTs);
  const divider = {
    key: 'divider', sig: String(replies.length),
    build: () => element('div', 'replies-divider', {}, `${replies.length} ${replies.length === 1 ? 'reply' : 'replies'}`),
  };
  const head = parent ? messageItems([parent], [], false) : [];
  renderList($('thread-list'), 'thread', [...head, divider, ...messageItems(replies, own, false)]);
}

// ------------------------------------------------------------------ refreshing (SSE-driven)

const refresher = { timer: null, pending: false, inFlight: false, lastRun: 0 };

/** Coalesce change notifications into at most one refetch per REFRESH_MIN_INTERVAL_MS. */
function scheduleRefresh() {
  refresher.pending = true;
  if (refresher.timer || refresher.inFlight) return;
  const wait = Math.max(0, refresher.lastRun + REFRESH_MIN_INTERVAL_MS - Date.now());
  refresher.timer = setTimeout(runRefresh, wait);
}

async function runRefresh() {
  refresher.timer = null;
  refresher.pending = false;
  refresher.inFlight = true;
  refresher.lastRun = Date.now();
  try {
    await refreshOpen();
  } catch (err) {
    console.warn('refresh failed', err);
  } finally {
    refresher.inFlight = false;
    if (refresher.pending) scheduleRefresh();
  }
}

async function refreshOpen() {
  const { channelId, threadTs, me } = state;
  if (!channelId) return;
  const q = (params) => new URLSearchParams(params).toString();
  const [main, eph, thread] = await Promise.all([
    getJSON(`/api/messages?${q({ channel: channelId })}`),
    getJSON(`/api/ephemerals?${q({ channel: channelId, user: me })}`).catch(() => ({ messages: [] })),
    // A failed fetch (a busy machine) is not a deleted thread: the pane stays, the next refresh retries.
    threadTs ? getJSON(`/api/thread?${q({ channel: channelId, ts: threadTs })}`).catch(() => undefined) : null,
  ]);
  // The reader may have switched channel or person while we waited; a newer refresh is queued.
  if (channelId !== state.channelId || me !== state.me) return;
  renderChannel(main.messages || [], eph.messages || []);
  refreshStatuses(channelId, threadTs); // streams.js: "CMO is thinking…"
  if (thread === undefined) scheduleRefresh(); // throttled: at most one refresh a REFRESH_MIN_INTERVAL_MS
  if (threadTs && threadTs === state.threadTs && thread !== undefined) {
    if (thread?.messages?.length) renderThread(thread.messages, eph.messages || []);
    else closeThread(); // the parent was deleted
  }
}

function onChanged(event) {
  if (event.channel === state.channelId) {
    scheduleRefresh();
  } else if (isVisibleChannel(channel(event.channel)) && !state.unread.has(event.channel)) {
    state.unread.add(event.channel);
    renderSidebar();
  }
}

function connectStream() {
  const status = $('stream-status');
  const source = new EventSource('/api/stream');
  source.addEventListener('changed', (e) => {
    try { onChanged(JSON.parse(e.data)); } catch (err) { console.warn('bad event', e.data, err); }
  });
  source.addEventListener('views', (e) => {
    try {
      if (JSON.parse(e.data).user === state.me) refreshViews();
    } catch (err) { console.warn('bad event', e.data, err); }
  });
  // EventSource reconnects by itself; after a gap we may have missed changes, so refetch.
  source.onopen = () => {
    status.textContent = 'Live';
    status.classList.remove('down');
    scheduleRefresh();
    refreshViews();
  };
  source.onerror = () => { status.textContent = 'Reconnecting…'; status.classList.add('down'); };
}

// ------------------------------------------------------------------ navigation

function sidebarItem(ch, testId) {
  const unread = state.unread.has(ch.id);
  const attrs = { type: 'button', 'data-testid': testId, 'data-channel': ch.id };
  if (ch.id === state.channelId) attrs['aria-current'] = 'page';
  const prefix = ch.is_im ? '<span class="side-avatar" aria-hidden="true">MD</span>' : '<span class="hash" aria-hidden="true">#</span>';
  const button = element('button', unread ? 'side-item is-unread' : 'side-item', attrs,
    `${prefix}<span class="side-label">${escapeHtml(ch.is_im ? bot().name : ch.name)}</span>`
    + (unread ? '<span class="unread-dot" data-testid="unread" role="img" aria-label="unread"></span>' : ''));
  const li = document.createElement('li');
  li.append(button);
  return li;
}

function renderSidebar() {
  const home = $('nav-home');
  if (state.page === 'home') home.setAttribute('aria-current', 'page');
  else home.removeAttribute('aria-current');
  const channels = state.boot.channels.filter((c) => !c.is_im);
  $('channel-list').replaceChildren(...channels.map((c) => sidebarItem(c, `channel-${c.name}`)));
  const dm = myDm();
  $('dm-list').replaceChildren(...(dm ? [sidebarItem(dm, 'channel-dm')] : []));
}

function openChannel(channelId) {
  const ch = channel(channelId);
  if (!isVisibleChannel(ch)) return;
  state.channelId = ch.id;
  showPage('channel');
  state.unread.delete(ch.id);
  state.stick.main = true;
  history.replaceState(null, '', `#${ch.id}`);
  $('message-list').replaceChildren(); // keys (ts) are only unique within one channel
  $('channel-title').textContent = ch.is_im ? bot().name : `# ${ch.name}`;
  $('channel-sub').textContent = ch.is_im ? 'App · direct message' : (ch.topic?.value || ch.purpose?.value || '');
  composers.main.textarea.placeholder = ch.is_im ? `Message ${bot().name}` : `Message #${ch.name}`;
  composers.main.textarea.setAttribute('aria-label', composers.main.textarea.placeholder);
  $('composer-mention-hint').hidden = ch.is_im; // a DM needs no @mention
  composers.main.error.textContent = '';
  closeThread();
  renderSidebar();
  scheduleRefresh();
  // As in Slack: opening the DM is opening the app's Messages tab (a newcomer is welcomed).
  if (ch.is_im) postJSON('/api/home', { user: state.me, tab: 'messages' }).catch(() => {});
}

/** The main pane shows either a channel (messages + composer) or the App Home view. */
function showPage(page) {
  state.page = page;
  $('message-list').hidden = page !== 'channel';
  $('main-composer').hidden = page !== 'channel';
  $('home-view').hidden = page !== 'home';
}

function openHome() {
  state.channelId = null; // change events now only mark channels unread
  showPage('home');
  history.replaceState(null, '', '#home');
  $('channel-title').textContent = 'Home';
  $('channel-sub').textContent = `${bot().name} · App Home`;
  closeThread();
  renderSidebar();
  renderHome();
  refreshViews();
  // As in Slack: opening the tab sends `app_home_opened`; the app publishes, the SSE feed
  // ("views" changes) brings the new view in.
  postJSON('/api/home', { user: state.me }).catch(() => {});
}

function openThread(ts) {
  state.threadTs = ts;
  state.stick.thread = true;
  $('thread-list').replaceChildren();
  $('thread-pane').hidden = false;
  const ch = channel(state.channelId);
  $('thread-sub').textContent = ch.is_im ? bot().name : `#${ch.name}`;
  composers.thread.error.textContent = '';
  syncComposer(composers.thread);
  composers.thread.textarea.focus();
  scheduleRefresh();
}

function closeThread() {
  state.threadTs = null;
  $('thread-pane').hidden = true;
  $('thread-list').replaceChildren();
}

function switchUser(userId) {
  state.me = userId;
  localStorage.setItem(USER_STORAGE_KEY, userId);
  state.unread.clear();
  resetViews(); // modals and Home are per person
  if (state.page === 'home') return openHome();
  const current = channel(state.channelId);
  // Another person's DM is not ours to see: move to our own DM instead.
  openChannel(isVisibleChannel(current) ? current.id : myDm()?.id || defaultChannelId());
}

function defaultChannelId() {
  const open = state.boot.channels.filter((c) => !c.is_im);
  return (open.find((c) => c.name === 'general') || open[0]).id;
}

// ------------------------------------------------------------------ composers

const mentions = { composer: null, options: [], active: 0, start: -1 };

/** "@Marketing Dept" as typed or chosen; sent to Slack as <@BOTID>. */
function appMentionPattern(name = bot().name) {
  return new RegExp(`@${escapeRegExp(name)}(?![\\w])`, 'gi');
}

/** The wire form Slack clients send: &, <, > escaped, mentions as <@USERID>. */
function toWireText(text) {
  const escaped = text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return escaped.replace(appMentionPattern(), `<@${bot().user_id}>`);
}

function makeComposer(form, threadTsFn) {
  const composer = {
    form, threadTsFn, busy: false, dismissedAt: -1,
    textarea: form.querySelector('textarea'),
    highlight: form.querySelector('.composer-highlight'),
    error: form.querySelector('.composer-error'),
  };
  const { textarea } = composer;
  textarea.addEventListener('input', () => { syncComposer(composer); updateMentions(composer); });
  textarea.addEventListener('click', () => updateMentions(composer));
  textarea.addEventListener('keydown', (e) => onComposerKey(composer, e));
  textarea.addEventListener('scroll', () => { composer.highlight.scrollTop = textarea.scrollTop; });
  textarea.addEventListener('blur', () => setTimeout(() => { if (mentions.composer === composer) closeMentions(); }, 150));
  form.addEventListener('submit', (e) => { e.preventDefault(); send(composer); });
  return composer;
}

/** Grow the textarea with its content and mirror it into the pill-highlighting backdrop. */
function syncComposer(composer) {
  const { textarea, highlight } = composer;
  if (!state.boot) return; // typed before bootstrap arrived; nothing to highlight yet
  textarea.style.height = 'auto';
  // A hidden textarea measures 0: leave it at its natural height until it is shown.
  if (textarea.scrollHeight) textarea.style.height = `${Math.min(textarea.scrollHeight, 200)}px`;
  const marked = escapeHtml(textarea.value).replace(appMentionPattern(escapeHtml(bot().name)), (m) => `<mark>${m}</mark>`);
  highlight.innerHTML = `${marked}\n `;
  highlight.scrollTop = textarea.scrollTop;
}

function onComposerKey(composer, e) {
  if (e.isComposing) return;
  const open = mentions.composer === composer && mentions.options.length > 0;
  if (open && (e.key === 'ArrowDown' || e.key === 'ArrowUp')) {
    e.preventDefault();
    const n = mentions.options.length;
    mentions.active = (mentions.active + (e.key === 'ArrowDown' ? 1 : n - 1)) % n;
    renderMentions();
  } else if (open && (e.key === 'Enter' || e.key === 'Tab') && !e.shiftKey) {
    e.preventDefault();
    chooseMention(mentions.options[mentions.active]);
  } else if (open && e.key === 'Escape') {
    e.preventDefault();
    e.stopPropagation(); // this Escape closes the list, not the thread pane
    composer.dismissedAt = mentions.start;
    closeMentions();
  } else if (e.key === 'Enter' && !e.shiftKey) {
    e.preventDefault();
    send(composer);
  }
}

/** `/word …` at the start of a message is a slash command, as in Slack. */
const SLASH_COMMAND = /^\/[A-Za-z0-9_.-]+(\s|$)/;

async function send(composer) {
  const text = composer.textarea.value;
  if (composer.busy || !text.trim()) return;
  composer.error.textContent = '';
  const threadTs = composer.threadTsFn();
  const isCommand = SLASH_COMMAND.test(text.trim());
  if (isCommand && threadTs) { // what Slack answers for an app's command typed in a thread
    composer.error.textContent = `${text.trim().split(/\s/)[0]} is not supported in threads. Sorry!`;
    return;
  }
  composer.busy = true;
  // A command goes to the app, never into the channel; its answer comes back as a message.
  const result = await postJSON(isCommand ? '/api/command' : '/api/send', {
    user: state.me, channel: state.channelId, text: toWireText(text.trim()), thread_ts: threadTs,
  });
  composer.busy = false;
  if (!result.ok) {
    composer.error.textContent = `Couldn't send: ${result.error || 'unknown error'}`;
    return;
  }
  composer.textarea.value = '';
  composer.dismissedAt = -1;
  syncComposer(composer);
  state.stick[threadTs ? 'thread' : 'main'] = true;
  scheduleRefresh();
}

// ------------------------------------------------------------------ @-mention suggestions

function mentionCandidates() {
  const app = { label: bot().name, hint: 'App', isApp: true, emoji: null, insert: `@${bot().name} `, keys: [bot().name.toLowerCase(), 'app'] };
  const agents = state.boot.agents.map((a) => ({
    label: a.display_name,
    hint: `via ${bot().name}`,
    emoji: emojiFor(a.icon_emoji),
    insert: `@${bot().name} ${a.aliases?.[0] || a.display_name.toLowerCase()} `,
    keys: [a.display_name.toLowerCase(), a.id.toLowerCase(), ...(a.aliases || [])],
  }));
  return [app, ...agents];
}

/** The "@query" just before the caret, if the caret is inside one. */
function mentionQuery(textarea) {
  const before = textarea.value.slice(0, textarea.selectionStart);
  const match = before.match(/(?:^|\s)@([^\s@][^@\n]{0,30}|)$/);
  return match ? { start: before.length - match[1].length - 1, query: match[1].toLowerCase() } : null;
}

function updateMentions(composer) {
  const q = state.boot && mentionQuery(composer.textarea);
  if (!q || q.start === composer.dismissedAt) return closeMentions();
  const matches = (key) => key.startsWith(q.query) || key.includes(` ${q.query}`);
  const options = mentionCandidates().filter((o) => o.keys.some(matches));
  if (!options.length) return closeMentions();
  if (mentions.composer !== composer || mentions.start !== q.start) mentions.active = 0;
  Object.assign(mentions, { composer, options, start: q.start, active: Math.min(mentions.active, options.length - 1) });
  composer.form.querySelector('.composer-box').append($('mention-suggestions'));
  renderMentions();
}

function renderMentions() {
  const list = $('mention-suggestions');
  list.replaceChildren(...mentions.options.map((option, i) => {
    const attrs = { id: `mention-option-${i}`, role: 'option', 'data-testid': 'mention-option', 'aria-selected': String(i === mentions.active) };
    const li = element('li', option.isApp ? 'mention-option is-app' : 'mention-option', attrs, `<span class="mention-icon" aria-hidden="true">${option.isApp ? 'MD' : option.emoji || '•'}</span>`
      + `<span class="mention-label">${escapeHtml(option.label)}</span><span class="mention-hint">${escapeHtml(option.hint)}</span>`);
    // mousedown (not click) so the textarea keeps focus and its caret position.
    li.addEventListener('mousedown', (e) => { e.preventDefault(); chooseMention(option); });
    return li;
  }));
  list.hidden = false;
  mentions.composer.textarea.setAttribute('aria-expanded', 'true');
  mentions.composer.textarea.setAttribute('aria-activedescendant', `mention-option-${mentions.active}`);
  list.children[mentions.active]?.scrollIntoView({ block: 'nearest' });
}

function chooseMention(option) {
  const { composer, start } = mentions;
  const { textarea } = composer;
  const caret = textarea.selectionStart;
  textarea.value = textarea.value.slice(0, start) + option.insert + textarea.value.slice(caret);
  const position = start + option.insert.length;
  textarea.setSelectionRange(position, position);
  closeMentions();
  syncComposer(composer);
  textarea.focus();
}

function closeMentions() {
  $('mention-suggestions').hidden = true;
  if (mentions.composer) {
    mentions.composer.textarea.setAttribute('aria-expanded', 'false');
    mentions.composer.textarea.removeAttribute('aria-activedescendant');
  }
  Object.assign(mentions, { composer: null, options: [], active: 0, start: -1 });
}

// ------------------------------------------------------------------ start-up

const composers = {};

function wireStaticHandlers() {
  // Delegated: message nodes are rebuilt as replies stream in.
  $('message-list').addEventListener('click', (e) => {
    const opener = e.target.closest('[data-open-thread]');
    if (opener) openThread(opener.dataset.openThread);
  });
  document.querySelector('.sidebar').addEventListener('click', (e) => {
    if (e.target.closest('[data-testid="nav-home"]')) return openHome();
    const item = e.target.closest('[data-channel]');
    if (item) openChannel(item.dataset.channel);
  });
  $('close-thread').addEventListener('click', closeThread);
  $('user-picker').addEventListener('change', (e) => switchUser(e.target.value));
  window.addEventListener('hashchange', () => (location.hash === '#home' ? openHome() : openChannel(location.hash.slice(1))));
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && state.threadTs && !mentions.composer) closeThread();
  });
}

function fillUserPicker() {
  const picker = $('user-picker');
  picker.replaceChildren(...state.boot.people.map((p) => new Option(p.real_name || p.name, p.id)));
  const saved = localStorage.getItem(USER_STORAGE_KEY);
  state.me = person(saved) ? saved : state.boot.people[0]?.id;
  picker.value = state.me;
}

async function init() {
  composers.main = makeComposer($('main-composer'), () => null);
  composers.thread = makeComposer($('thread-composer'), () => state.threadTs);
  try {
    state.boot = await getJSON('/api/bootstrap');
  } catch (err) {
    $('message-list').textContent = `Could not reach the sandbox server (${err.message}). Is it running?`;
    return;
  }
  const { workspace, scripted } = state.boot;
  $('workspace-name').textContent = workspace.name;
  $('topbar-title').textContent = `${workspace.name} · sandbox`;
  document.title = `${workspace.name} — ${bot().name} sandbox`;
  $('sandbox-banner').hidden = !scripted;
  fillUserPicker();
  await closeViewsLeftOpen(); // unload.js: no modal survives a reload
  wireStaticHandlers();
  const fromHash = channel(location.hash.slice(1));
  if (location.hash === '#home') openHome();
  else openChannel(isVisibleChannel(fromHash) ? fromHash.id : defaultChannelId());
  syncComposer(composers.main);
  syncComposer(composers.thread);
  connectStream();
}

init();
