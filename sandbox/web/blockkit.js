'use strict';
// Block Kit renderer shared by messages, modals and the Home tab. It builds DOM nodes (not
// HTML strings) so interactive elements can keep their Block Kit definition in closures;
// all text still goes through mrkdwn.js's escaping renderers. Sending an action is left to
// modals.js (`sendBlockAction`), which knows who "you" are and where to report errors.
//
// A *surface* says where blocks live, so their actions carry Slack's matching container:
//   { kind: 'message', channel, ts, ephemeral? }  or  { kind: 'view', viewId }.

/** The option objects of each rendered <select>, so state keeps Slack's full text object. */
const selectOptions = new WeakMap();
let controlSeq = 0; // unique ids that tie an input's <label> to its control

// ------------------------------------------------------------------ blocks

const BLOCK_RENDERERS = {
  header: (node, block) => { node.innerHTML = renderTextObject(block.text); },
  section: renderSection,
  context: renderContext,
  divider: () => {},
  image: renderImageBlock,
  rich_text: (node, block) => { node.innerHTML = renderRichText(block.elements); },
  actions: (node, block, ctx) => (block.elements || []).forEach((el, i) => node.append(renderElement(el, ctx, i))),
  input: renderInput,
  markdown: (node, block) => { node.innerHTML = renderMarkdownBlock(block.text); },
};

/** Render a list of blocks; one malformed block must not take the rest of the card with it. */
function renderBlocks(blocks, surface) {
  const root = element('div', `bk-blocks on-${surface.kind}`);
  (Array.isArray(blocks) ? blocks : []).forEach((block, index) => root.append(renderBlock(block, index, surface)));
  return root;
}

function renderBlock(block, index, surface) {
  const type = String(block?.type ?? 'unknown');
  // Slack fills in a block_id when the app leaves it out; ours is stable per position.
  const blockId = String(block?.block_id || `block_${index}`);
  const attrs = { 'data-testid': `block-${type}`, 'data-block-id': blockId };
  const render = Object.hasOwn(BLOCK_RENDERERS, type) ? BLOCK_RENDERERS[type] : null;
  if (!render) return unsupported(`block: ${type}`, attrs);
  const node = element(type === 'divider' ? 'hr' : 'div', `bk-block bk-${type}`, attrs);
  try {
    render(node, block, { surface, blockId });
  } catch (err) {
    console.warn('could not render block', block, err);
    return unsupported(`block: ${type}`, attrs);
  }
  return node;
}

const unsupported = (what, attrs = {}) => element('span', 'bk-unsupported', attrs, `[unsupported ${escapeHtml(what)}]`);

function renderSection(node, block, ctx) {
  const main = element('div', 'bk-section-main');
  if (block.text) main.append(element('div', 'bk-text', {}, renderTextObject(block.text)));
  if (Array.isArray(block.fields)) {
    main.append(element('div', 'bk-fields', {}, block.fields.map((f) => `<div class="bk-field">${renderTextObject(f)}</div>`).join('')));
  }
  node.append(main);
  if (block.accessory) {
    const accessory = element('div', `bk-accessory is-${block.accessory.type}`);
    accessory.append(renderElement(block.accessory, ctx, 0));
    node.append(accessory);
  }
}

function renderContext(node, block) {
  for (const item of block.elements || []) {
    if (item?.type === 'image') node.append(renderImage(item.image_url, item.alt_text, 'bk-context-image'));
    else node.append(element('span', 'bk-context-text', {}, renderTextObject(item)));
  }
}

function renderImageBlock(node, block) {
  if (block.title) node.append(element('div', 'bk-image-title', {}, renderTextObject(block.title)));
  node.append(renderImage(block.image_url, block.alt_text, 'bk-image-img'));
}

/** Web images only; a broken or unusable URL shows the alt text, as Slack does. */
function renderImage(url, alt, className) {
  const fallback = () => element('span', `${className} bk-image-missing`, { role: 'img', 'aria-label': alt || 'image' }, `🖼 ${escapeHtml(alt || 'image')}`);
  if (!/^(https?:\/\/|\/(?!\/))/i.test(String(url || ''))) return fallback();
  const img = element('img', className, { alt: alt || '', title: alt || '', loading: 'lazy', referrerpolicy: 'no-referrer' });
  img.addEventListener('error', () => img.replaceWith(fallback()), { once: true });
  img.src = url;
  return img;
}

// ------------------------------------------------------------------ rich_text

function renderRichText(elements) {
  return (elements || []).map((el) => {
    switch (el?.type) {
      case 'rich_text_section': return `<div class="rt-section">${richInline(el.elements)}</div>`;
      case 'rich_text_quote': return `<blockquote class="rt-quote">${richInline(el.elements)}</blockquote>`;
      case 'rich_text_preformatted': return `<pre class="code-block">${richInline(el.elements, true)}</pre>`;
      case 'rich_text_list': return richList(el);
      default: return `<span class="bk-unsupported">[unsupported rich text: ${escapeHtml(el?.type)}]</span>`;
    }
  }).join('');
}

/** Slack nests lists by `indent` rather than by structure; markers cycle with the depth. */
function richList(list) {
  const tag = list.style === 'ordered' ? 'ol' : 'ul';
  const indent = Math.max(0, Math.min(8, Number(list.indent) || 0));
  const start = Number(list.offset) > 0 ? ` start="${Number(list.offset) + 1}"` : '';
  const items = (list.elements || []).map((item) => `<li>${richInline(item.elements)}</li>`).join('');
  return `<${tag} class="rt-list depth-${indent % 3}" style="margin-left:${indent * 24}px"${start}>${items}</${tag}>`;
}

function richInline(elements, preformatted = false) {
  return (elements || []).map((el) => richStyle(richAtom(el), el.style, preformatted)).join('');
}

function richAtom(el) {
  switch (el?.type) {
    case 'text': return escapeHtml(el.text ?? '');
    case 'link': {
      const label = escapeHtml(el.text || el.url || '');
      return isSafeUrl(el.url) ? linkHtml(el.url, label) : label;
    }
    case 'user': return mentionHtml(el.user_id);
    case 'usergroup': return `<span class="mention">@${escapeHtml(el.usergroup_id)}</span>`;
    case 'broadcast': return `<span class="mention">@${escapeHtml(el.range)}</span>`;
    case 'channel': return channelRefHtml(el.channel_id);
    case 'emoji': return richEmoji(el);
    case 'date': return richDate(el);
    case 'color': return escapeHtml(el.value ?? '');
    default: return '';
  }
}

/** A rich_text date element, shown like a `<!date>` token (time.js). */
function richDate(el) {
  const when = new Date(Number(el.timestamp) * 1000);
  if (!Number.isFinite(when.getTime())) return escapeHtml(el.fallback || '');
  return timeHtml(when, slackDateText(when, el.format || '{date_short} {time}'));
}

function richEmoji(el) {
  if (/^[0-9a-f]{2,6}(-[0-9a-f]{2,6})*$/i.test(el.unicode || '')) {
    try { return String.fromCodePoint(...el.unicode.split('-').map((hex) => parseInt(hex, 16))); } catch { /* fall through */ }
  }
  return emojiFor(el.name) || escapeHtml(`:${el.name ?? ''}:`);
}

function richStyle(html, style, preformatted) {
  if (!style || !html) return html;
  let out = html;
  if (style.code && !preformatted) out = `<code>${out}</code>`;
  if (style.strike) out = `<s>${out}</s>`;
  if (style.italic) out = `<i>${out}</i>`;
  if (style.bold) out = `<b>${out}</b>`;
  return out;
}

// ------------------------------------------------------------------ interactive elements

const ELEMENT_RENDERERS = {
  button: renderButton,
  overflow: renderOverflow,
  static_select: (el, ctx, index) => renderStaticSelect(el, ctx, index, false),
  image: (el) => renderImage(el.image_url, el.alt_text, 'bk-accessory-image'),
};

function renderElement(el, ctx, index) {
  const type = String(el?.type ?? 'unknown');
  const render = Object.hasOwn(ELEMENT_RENDERERS, type) ? ELEMENT_RENDERERS[type] : null;
  return render ? render(el, ctx, index) : unsupported(`element: ${type}`);
}

/** Slack fills in an action_id when the app leaves it out; ours is stable per position. */
const actionIdOf = (el, index) => String(el.action_id || `action_${index}`);

/**
 * Confirm first when the element asks, then send. The control stays disabled while the
 * request is in flight so a double click sends once; resolves to whether Slack said ok.
 * A link button or option opens its page too (after any confirm) and still tells the app.
 */
async function runAction(control, ctx, action, confirm, url) {
  if (control.disabled) return false;
  if (confirm && !(await askConfirm(confirm))) return false;
  if (isSafeUrl(url) && !openPermalink(url)) window.open(url, '_blank', 'noopener'); // links.js
  control.disabled = true;
  control.setAttribute('aria-busy', 'true');
  try {
    return await sendBlockAction(ctx.surface, { action_id: action.action_id, block_id: ctx.blockId, ...action });
  } finally {
    control.disabled = false;
    control.removeAttribute('aria-busy');
  }
}

function renderButton(el, ctx, index) {
  const style = ['primary', 'danger'].includes(el.style) ? el.style : 'default';
  const actionId = actionIdOf(el, index);
  const button = element('button', `bk-button is-${style}`, {
    type: 'button', 'data-testid': 'block-button', 'data-action-id': actionId,
    'data-value': el.value ?? '', 'data-style': style,
  }, renderTextObject(el.text));
  if (el.accessibility_label) button.setAttribute('aria-label', el.accessibility_label);
  button.addEventListener('click', () => {
    const action = { action_id: actionId, type: 'button' };
    if (el.value !== undefined) action.value = el.value;
    runAction(button, ctx, action, el.confirm, el.url);
  });
  return button;
}

const optionPayload = (option) => ({ text: option.text, value: option.value });

function renderOverflow(el, ctx, index) {
  const actionId = actionIdOf(el, index);
  // The wrapper holds the trigger and, while open, the menu: tests can scope options to it.
  const wrap = element('span', 'bk-overflow', { 'data-testid': 'overflow-menu', 'data-action-id': actionId });
  const trigger = element('button', 'bk-overflow-button', {
    type: 'button', 'aria-label': 'More actions', 'aria-haspopup': 'menu', 'aria-expanded': 'false',
  }, '<span aria-hidden="true">⋮</span>');
  trigger.addEventListener('click', () => {
    if (openMenu.wrap === wrap) return closeMenu();
    showMenu(wrap, trigger, el.options || [], (option) => {
      const action = { action_id: actionId, type: 'overflow', selected_option: optionPayload(option) };
      runAction(trigger, ctx, action, el.confirm, option.url);
    });
  });
  wrap.append(trigger);
  return wrap;
}

const openMenu = { wrap: null, list: null, trigger: null };

/** The menu is position:fixed so a scrolling message list or modal body never clips it. */
function showMenu(wrap, trigger, options, onChoose) {
  closeMenu();
  const list = element('ul', 'bk-menu', { role: 'menu', tabindex: '-1' });
  options.forEach((option) => {
    const item = element('button', 'bk-menu-item', {
      type: 'button', role: 'menuitem', 'data-testid': 'overflow-option', 'data-value': option.value ?? '',
    }, renderTextObject(option.text));
    item.addEventListener('click', () => { closeMenu(); onChoose(option); });
    const li = element('li', '');
    li.append(item);
    list.append(li);
  });
  list.addEventListener('keydown', onMenuKey);
  wrap.append(list);
  Object.assign(openMenu, { wrap, list, trigger });
  trigger.setAttribute('aria-expanded', 'true');
  placeMenu(list, trigger.getBoundingClientRect());
  list.focus(); // keys reach the menu; no option looks chosen until an arrow key picks one
}

function placeMenu(list, anchor) {
  const { offsetWidth: width, offsetHeight: height } = list;
  const below = anchor.bottom + 4;
  const top = below + height > window.innerHeight - 8 ? Math.max(8, anchor.top - height - 4) : below;
  list.style.top = `${top}px`;
  list.style.left = `${Math.max(8, Math.min(anchor.right - width, window.innerWidth - width - 8))}px`;
}

/** Arrow keys move between options, as in Slack's menus; Tab leaves and closes. */
function onMenuKey(e) {
  const items = [...openMenu.list.querySelectorAll('.bk-menu-item')];
  const at = items.indexOf(document.activeElement);
  if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
    e.preventDefault();
    const down = e.key === 'ArrowDown';
    const next = at < 0 ? (down ? 0 : items.length - 1) : (at + (down ? 1 : items.length - 1)) % items.length;
    items[next]?.focus();
  } else if (e.key === 'Tab') {
    closeMenu();
  }
}

function closeMenu() {
  if (!openMenu.wrap) return;
  openMenu.list.remove();
  openMenu.trigger.setAttribute('aria-expanded', 'false');
  Object.assign(openMenu, { wrap: null, list: null, trigger: null });
}

// A click elsewhere, Escape or scrolling the page under a fixed menu dismisses it.
document.addEventListener('mousedown', (e) => { if (openMenu.wrap && !openMenu.wrap.contains(e.target)) closeMenu(); });
document.addEventListener('scroll', (e) => { if (openMenu.list && !openMenu.list.contains(e.target)) closeMenu(); }, true);
document.addEventListener('keydown', (e) => {
  if (e.key === 'Escape' && openMenu.wrap) {
    e.stopImmediatePropagation(); // this Escape is the menu's, not the modal's beneath it
    const { trigger } = openMenu;
    closeMenu();
    trigger.focus();
  }
}, true);

/** Options of a select, flattened across option_groups, in display order. */
function selectOptionList(el) {
  if (Array.isArray(el.option_groups)) return el.option_groups.flatMap((group) => group.options || []);
  return el.options || [];
}

/** A native <select>; `inInput` makes it a stateful modal input instead of an action trigger. */
function renderStaticSelect(el, ctx, index, inInput) {
  const actionId = actionIdOf(el, index);
  const select = element('select', 'bk-select', {
    'data-testid': inInput ? 'modal-input' : 'static-select', 'data-action-id': actionId,
    'data-block-id': ctx.blockId, 'data-bk-state': 'static_select',
  });
  const placeholder = new Option(plainTextOf(el.placeholder) || 'Select an item', '');
  placeholder.disabled = true;
  select.append(placeholder);
  const toOption = (o) => new Option(plainTextOf(o.text), o.value ?? '');
  if (Array.isArray(el.option_groups)) {
    el.option_groups.forEach((group) => {
      const optgroup = element('optgroup', '', { label: plainTextOf(group.label) });
      optgroup.append(...(group.options || []).map(toOption));
      select.append(optgroup);
    });
  } else {
    select.append(...(el.options || []).map(toOption));
  }
  selectOptions.set(select, selectOptionList(el));
  select.value = el.initial_option?.value ?? '';
  if (select.selectedIndex < 0) select.selectedIndex = 0; // an unknown initial_option
  if (!inInput) wireSelectAction(select, el, ctx, actionId);
  return select;
}

/** A select outside an input block sends block_actions on change; a refused change rolls back. */
function wireSelectAction(select, el, ctx, actionId) {
  let previous = select.value;
  select.addEventListener('change', async () => {
    const chosen = selectedOption(select);
    if (!chosen) return;
    const action = { action_id: actionId, type: 'static_select', selected_option: optionPayload(chosen) };
    const ok = await runAction(select, ctx, action, el.confirm);
    if (ok) previous = select.value;
    else if (select.isConnected) select.value = previous;
  });
}

function selectedOption(select) {
  if (!select.value) return null;
  return (selectOptions.get(select) || []).find((o) => String(o.value) === select.value) || null;
}

// ------------------------------------------------------------------ input blocks

function renderInput(node, block, ctx) {
  const el = block.element || {};
  const id = `bk-control-${++controlSeq}`;
  const optional = block.optional ? ' <span class="bk-optional">(optional)</span>' : '';
  node.dataset.optional = String(Boolean(block.optional));
  node.append(element('label', 'bk-label', { for: id }, `${renderTextObject(block.label)}${optional}`));
  const control = renderInputControl(el, ctx);
  control.id = id;
  node.append(control);
  if (block.hint) node.append(element('div', 'bk-hint', {}, renderTextObject(block.hint)));
}

function renderInputControl(el, ctx) {
  if (el.type === 'static_select') return renderStaticSelect(el, ctx, 0, true);
  if (el.type === 'radio_buttons') return renderRadioButtons(el, ctx); // radio.js
  if (el.type !== 'plain_text_input') return unsupported(`element: ${el.type}`);
  const input = element(el.multiline ? 'textarea' : 'input', 'bk-text-input', {
    'data-testid': 'modal-input', 'data-block-id': ctx.blockId, 'data-action-id': actionIdOf(el, 0),
    'data-bk-state': 'plain_text_input',
  });
  if (!el.multiline) input.type = 'text';
  else input.rows = 4;
  if (el.placeholder) input.placeholder = plainTextOf(el.placeholder);
  if (Number(el.max_length) > 0) input.maxLength = Number(el.max_length);
  if (Number(el.min_length) > 0) input.dataset.minLength = String(Number(el.min_length));
  input.value = el.initial_value ?? '';
  return input;
}

// ------------------------------------------------------------------ state.values

/** Slack's view.state.values for every stateful control under `root`. */
function collectValues(root) {
  const values = {};
  root.querySelectorAll('[data-bk-state]').forEach((control) => {
    const { blockId, actionId, bkState: type } = control.dataset;
    const entry = type === 'static_select' || type === 'radio_buttons'
      ? { type, selected_option: selectedOption(control) && optionPayload(selectedOption(control)) }
      : { type, value: control.value };
    values[blockId] = { ...(values[blockId] || {}), [actionId]: entry };
  });
  return values;
}

/** Put state.values (a draft, or the view's own state) back into matching controls. */
function applyValues(root, values) {
  root.querySelectorAll('[data-bk-state]').forEach((control) => {
    const entry = values?.[control.dataset.blockId]?.[control.dataset.actionId];
    if (!entry || entry.type !== control.dataset.bkState) return;
    if (entry.type === 'static_select' || entry.type === 'radio_buttons') control.value = entry.selected_option?.value ?? '';
    else if (typeof entry.value === 'string') control.value = entry.value;
    if (control.selectedIndex < 0) control.selectedIndex = 0;
  });
}

/** Slack's client-side checks before a view is submitted: required fields, min_length. */
function missingInputs(root) {
  const errors = {};
  root.querySelectorAll('.bk-input').forEach((block) => {
    const control = block.querySelector('[data-bk-state]');
    if (!control) return;
    const empty = ['static_select', 'radio_buttons'].includes(control.dataset.bkState) ? !control.value : !control.value.trim();
    const min = Number(control.dataset.minLength || 0);
    if (empty && block.dataset.optional !== 'true') errors[control.dataset.blockId] = 'Please fill out this required field.';
    else if (!empty && min && control.value.length < min) errors[control.dataset.blockId] = `Please enter at least ${min} characters.`;
  });
  return errors;
}

// ------------------------------------------------------------------ confirm dialog

/** Slack's confirmation object as a small dialog; resolves true only on the confirm button. */
function askConfirm(confirm) {
  return new Promise((resolve) => {
    const previousFocus = document.activeElement;
    const backdrop = element('div', 'bk-confirm-backdrop');
    const style = confirm.style === 'danger' ? 'danger' : 'primary';
    const dialog = element('div', 'bk-confirm', { role: 'alertdialog', 'aria-modal': 'true', 'aria-labelledby': 'bk-confirm-title', 'data-testid': 'confirm-dialog' },
      `<h2 id="bk-confirm-title">${renderTextObject(confirm.title || 'Are you sure?')}</h2>`
      + `<div class="bk-confirm-text">${renderTextObject(confirm.text || '')}</div>`
      + '<div class="bk-confirm-buttons">'
      + `<button type="button" class="bk-button is-default" data-testid="confirm-cancel">${renderTextObject(confirm.deny || 'Cancel')}</button>`
      + `<button type="button" class="bk-button is-${style}" data-testid="confirm-ok">${renderTextObject(confirm.confirm || 'Yes')}</button>`
      + '</div>');
    const finish = (answer) => {
      document.removeEventListener('keydown', onKey, true);
      backdrop.remove();
      if (previousFocus?.isConnected) previousFocus.focus();
      resolve(answer);
    };
    // Capture phase, so Escape dismisses this dialog and not the modal beneath it.
    const onKey = (e) => {
      if (e.key !== 'Escape') return;
      e.stopPropagation();
      e.preventDefault();
      finish(false);
    };
    dialog.querySelector('[data-testid="confirm-cancel"]').addEventListener('click', () => finish(false));
    dialog.querySelector('[data-testid="confirm-ok"]').addEventListener('click', () => finish(true));
    document.addEventListener('keydown', onKey, true);
    backdrop.append(dialog);
    document.body.append(backdrop);
    // Focus the safe choice: Enter on a freshly opened dialog must not reject a draft.
    dialog.querySelector('[data-testid="confirm-cancel"]').focus();
  });
}
