'use strict';
// One way to show a time on the page, in the reader's own time zone: 24-hour HH:MM for
// messages, thread summaries and Block Kit's `<!date^…>` tokens alike, with the full date,
// seconds and zone in a tooltip. Loaded first: mrkdwn.js, blockkit.js and app.js call it
// (escapeHtml comes from mrkdwn.js and is only used at render time).

const pad2 = (n) => String(n).padStart(2, '0');

/** A Slack ts ("1700000000.000100") or unix seconds as a Date. */
function dateOfTs(ts) {
  return new Date(Number(String(ts).split('.')[0]) * 1000);
}

/** "15:07" (or "15:07:42"), whatever the browser's locale would make of it. */
function clockTime(date, withSeconds = false) {
  const clock = `${pad2(date.getHours())}:${pad2(date.getMinutes())}`;
  return withSeconds ? `${clock}:${pad2(date.getSeconds())}` : clock;
}

function readerZone() {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'local time';
}

/** The tooltip: "Tuesday, December 1, 2026 at 15:07:42 (Europe/Paris)". */
function fullTime(date) {
  const day = date.toLocaleDateString(undefined, { weekday: 'long', year: 'numeric', month: 'long', day: 'numeric' });
  return `${day} at ${clockTime(date, true)} (${readerZone()})`;
}

/** A <time> element: the short form shown, the full one on hover, the instant in datetime. */
function timeHtml(date, shown = clockTime(date)) {
  return `<time datetime="${escapeHtml(date.toISOString())}" title="${escapeHtml(fullTime(date))}">${escapeHtml(shown)}</time>`;
}

const DAY_MS = 24 * 60 * 60 * 1000;

function dayDistance(date, now = new Date()) {
  const midnight = (d) => new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
  return Math.round((midnight(date) - midnight(now)) / DAY_MS);
}

function ordinal(n) {
  const tens = n % 100;
  if (tens >= 11 && tens <= 13) return `${n}th`;
  return `${n}${{ 1: 'st', 2: 'nd', 3: 'rd' }[n % 10] || 'th'}`;
}

function agoText(date, now = new Date()) {
  const seconds = Math.round((now.getTime() - date.getTime()) / 1000);
  const steps = [[60, 'second'], [60, 'minute'], [24, 'hour'], [30, 'day'], [12, 'month'], [Infinity, 'year']];
  let value = Math.abs(seconds);
  for (const [size, unit] of steps) {
    if (value < size) {
      const phrase = `${value} ${unit}${value === 1 ? '' : 's'}`;
      return seconds >= 0 ? `${phrase} ago` : `in ${phrase}`;
    }
    value = Math.floor(value / size);
  }
  return '';
}

/** Slack's date tokens (api.slack.com "Formatting dates"), with our one clock format. */
function slackDateText(date, format) {
  const month = (style) => date.toLocaleDateString('en-US', { month: style });
  const weekday = date.toLocaleDateString('en-US', { weekday: 'long' });
  const year = date.getFullYear();
  const dates = {
    date_num: `${year}-${pad2(date.getMonth() + 1)}-${pad2(date.getDate())}`,
    date: `${month('long')} ${ordinal(date.getDate())}, ${year}`,
    date_short: `${month('short')} ${date.getDate()}, ${year}`,
    date_long: `${weekday}, ${month('long')} ${ordinal(date.getDate())}, ${year}`,
  };
  const near = { '-1': 'yesterday', 0: 'today', 1: 'tomorrow' }[dayDistance(date)];
  const tokens = {
    ...dates,
    date_pretty: near || dates.date,
    date_short_pretty: near || dates.date_short,
    date_long_pretty: near || dates.date_long,
    time: clockTime(date),
    time_secs: clockTime(date, true),
    ago: agoText(date),
  };
  return String(format).replace(/\{([a-z_]+)\}/g, (whole, name) => (Object.hasOwn(tokens, name) ? tokens[name] : whole));
}
