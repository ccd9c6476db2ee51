'use strict';
// Slack text rendering shared by messages and Block Kit: mrkdwn, plain_text and emoji.
// Everything that comes from the server is escaped here, so model text never becomes HTML.
// Loaded before blockkit.js and app.js; the directory lookups (bot, person, channel) it
// calls live in app.js and are only used at render time, after boot.

const EMOJI = {
  briefcase: '💼', chart_with_upwards_trend: '📈', loudspeaker: '📢', memo: '📝', iphone: '📱',
  dart: '🎯', writing_hand: '✍️', mag: '🔍', art: '🎨', bar_chart: '📊', email: '📧',
  necktie: '👔', bird: '🐦', telescope: '🔭', hourglass_flowing_sand: '⏳', white_check_mark: '✅',
  x: '❌', warning: '⚠️', wave: '👋', rocket: '🚀', tada: '🎉', bulb: '💡', eyes: '👀',
  thumbsup: '👍', '+1': '👍', heavy_check_mark: '✔️', speech_balloon: '💬', fire: '🔥',
  thumbsdown: '👎', '-1': '👎', pencil: '📝', pencil2: '✏️', no_entry: '⛔', no_entry_sign: '🚫',
  heart: '❤️', star: '⭐', sparkles: '✨', calendar: '📆', date: '📅', link: '🔗', lock: '🔒',
  clipboard: '📋', pushpin: '📌', robot_face: '🤖', smile: '😄', slightly_smiling_face: '🙂',
  raised_hands: '🙌', pray: '🙏', point_right: '👉', question: '❓', exclamation: '❗',
  information_source: 'ℹ️', red_circle: '🔴', large_green_circle: '🟢', large_yellow_circle: '🟡',
  moneybag: '💰', page_facing_up: '📄', newspaper: '📰', arrows_counterclockwise: '🔄',
  leftwards_arrow_with_hook: '↩️', hourglass: '⌛', clock3: '🕒', inbox_tray: '📥', outbox_tray: '📤',
  mailbox: '📫', key: '🔑', gear: '⚙️', house: '🏠', trophy: '🏆', muscle: '💪', ok_hand: '👌',
  bell: '🔔', alarm_clock: '⏰',
};

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": '#39' }[c]};`);
}

/** Slack's wire text escapes only &, < and >; undo that before we escape for HTML. */
function unescapeSlack(text) {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

const escapeRegExp = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const emojiFor = (shortcode) => EMOJI[String(shortcode || '').replace(/^:|:$/g, '')] || null;

/** Replace known :shortcodes: in already-escaped HTML; unknown ones stay literal, as in Slack. */
const withEmoji = (html) => html.replace(/:([a-z0-9_+'-]+):/g, (whole, name) => emojiFor(name) || whole);

/** Render Slack mrkdwn to safe HTML: every piece of message text is escaped here. */
function renderMrkdwn(raw) {
  const parts = String(raw ?? '').replace(/\u0000/g, '').split('```');
  const last = parts.length - 1;
  return parts.map((part, i) => {
    if (i % 2) return `<pre class="code-block">${escapeHtml(unescapeSlack(part.replace(/^\n|\n$/g, '')))}</pre>`;
    // The newlines that only separate prose from a code block would add blank lines.
    const prose = (i > 0 ? part.replace(/^\n/, '') : part);
    return renderLines(i < last ? prose.replace(/\n$/, '') : prose);
  }).join('');
}

/** Group consecutive quote lines and bullet lines; everything else is plain lines. */
function renderLines(text) {
  if (!text) return '';
  const groups = [];
  for (const line of text.split('\n')) {
    const quote = line.match(/^(?:>|&gt;) ?(.*)$/);
    const bullet = !quote && line.match(/^\s*(?:•|◦|-|\*) +(.*)$/);
    const kind = quote ? 'quote' : bullet ? 'bullet' : 'plain';
    const html = renderInline(quote ? quote[1] : bullet ? bullet[1] : line);
    const last = groups[groups.length - 1];
    if (last && last.kind === kind) last.lines.push(html);
    else groups.push({ kind, lines: [html] });
  }
  return groups.map(({ kind, lines }) => {
    if (kind === 'quote') return `<blockquote>${lines.join('<br>')}</blockquote>`;
    if (kind === 'bullet') return `<ul>${lines.map((l) => `<li>${l}</li>`).join('')}</ul>`;
    return `<span class="lines">${lines.join('<br>')}</span>`;
  }).join('');
}

/** Inline code and <…> tokens become placeholders so formatting never reaches inside them. */
function renderInline(line) {
  const slots = [];
  const keep = (html) => `\u0000${slots.push(html) - 1}\u0000`;
  let s = line.replace(/`([^`\n]+)`/g, (_, code) => keep(`<code>${escapeHtml(unescapeSlack(code))}</code>`));
  s = s.replace(/<([^<>\n]+)>/g, (whole, inner) => {
    const html = renderSpecial(inner);
    return html === null ? whole : keep(html);
  });
  s = withEmoji(escapeHtml(unescapeSlack(s)));
  s = applyFormat(applyFormat(applyFormat(s, '*', 'b'), '_', 'i'), '~', 's');
  return s.replace(/\u0000(\d+)\u0000/g, (_, i) => slots[Number(i)]);
}

/**
 * Slack-style emphasis: the marks must hug words, and a span may only contain whole tags
 * from an earlier pass, so overlapping marks never produce mis-nested HTML.
 */
function applyFormat(s, mark, tag) {
  const m = `\\${mark}`;
  const content = `((?:[^${m}<\\n]|<([bis])>[^<]*</\\3>)+?)`;
  const pattern = new RegExp(`(^|[^\\w${m}])${m}(?=[^\\s${m}])${content}(?<=\\S)${m}(?!\\w)`, 'g');
  return s.replace(pattern, `$1<${tag}>$2</${tag}>`);
}

/** The name shown for a user id: the app, a sandbox person, or the id itself. */
function userLabel(id, fallback) {
  if (id === bot().user_id) return bot().name;
  return person(id)?.name || fallback || id;
}

const mentionHtml = (id, fallback) => `<span class="mention">@${escapeHtml(userLabel(id, fallback))}</span>`;

function channelRefHtml(id, label) {
  const ch = channel(id);
  const name = label || (ch ? ch.name : id);
  return `<a class="channel-ref" href="#${escapeHtml(id)}">#${escapeHtml(name)}</a>`;
}

/** Only web and mail links become anchors: a `javascript:` URL must stay inert text. */
const isSafeUrl = (url) => /^(https?:|mailto:)/i.test(String(url || ''));

function linkHtml(url, labelHtml) {
  return `<a href="${escapeHtml(url)}" target="_blank" rel="noopener noreferrer">${labelHtml || escapeHtml(url)}</a>`;
}

/** `<!date^unix^{time}|fallback>`: in the reader's own time zone and the page's one format. */
function dateHtml(target, fallback) {
  const [, seconds, format = '{date_short} {time}'] = target.split('^');
  const when = new Date(Number(seconds) * 1000);
  if (!Number.isFinite(when.getTime())) return escapeHtml(fallback || '');
  return timeHtml(when, slackDateText(when, format));
}

/** `<@U…>`, `<#C…|name>`, `<!here>`, `<url|label>`; null leaves the text literal. */
function renderSpecial(inner) {
  // Slack reads everything after the first `|` as the label (split's limit would drop the rest).
  const bar = inner.indexOf('|');
  const target = bar === -1 ? inner : inner.slice(0, bar);
  const label = bar === -1 ? undefined : inner.slice(bar + 1);
  const plainLabel = label !== undefined ? unescapeSlack(label) : undefined;
  if (target.startsWith('@')) return mentionHtml(target.slice(1), plainLabel);
  if (target.startsWith('#')) return channelRefHtml(target.slice(1), plainLabel);
  if (target.startsWith('!date^')) return dateHtml(target, plainLabel);
  if (target.startsWith('!')) {
    const shown = plainLabel || `@${target.slice(1).split('^')[0]}`;
    return `<span class="mention">${escapeHtml(shown)}</span>`;
  }
  const url = unescapeSlack(target);
  if (!isSafeUrl(url) && !parsePermalink(url)) return null; // links.js opens slack:// in the page
  return linkHtml(url, plainLabel ? escapeHtml(plainLabel) : '');
}

/** A Block Kit text object as HTML: mrkdwn is formatted, plain_text only gets its emoji. */
function renderTextObject(obj) {
  if (!obj) return '';
  if (typeof obj === 'string') return withEmoji(escapeHtml(obj));
  if (obj.type === 'mrkdwn') return renderMrkdwn(obj.text);
  const html = escapeHtml(obj.text ?? '');
  return obj.emoji === false ? html : withEmoji(html);
}

/** Plain text of a text object (for <option>, title= and aria labels, which take no HTML). */
function plainTextOf(obj) {
  if (!obj) return '';
  const raw = typeof obj === 'string' ? obj : String(obj.text ?? '');
  return raw.replace(/:([a-z0-9_+'-]+):/g, (whole, name) => emojiFor(name) || whole);
}

/**
 * The `markdown` block takes standard Markdown; map the common parts onto mrkdwn
 * (**bold**, *italic*, [label](url), # headings) and reuse the one safe renderer.
 */
function renderMarkdownBlock(text) {
  const BOLD = '\u0001';
  const converted = String(text ?? '').split('\n').map((line) => line
    .replace(/^#{1,6}\s+(.+)$/, `${BOLD}$1${BOLD}`)
    .replace(/\*\*([^*\n]+)\*\*|__([^_\n]+)__/g, (_, a, b) => `${BOLD}${a ?? b}${BOLD}`)
    .replace(/(^|[^\w*])\*([^*\s][^*\n]*?)\*(?!\w)/g, '$1_$2_')
    .replace(/\[([^\]\n]+)\]\(([^)\s]+)\)/g, (whole, label, url) => (isSafeUrl(url) ? `<${url}|${label}>` : whole))
    .replace(/~~([^~\n]+)~~/g, '~$1~'))
    .join('\n');
  return renderMrkdwn(converted.replace(/\u0001/g, '*'));
}
