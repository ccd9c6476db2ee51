'use strict';
// Radio buttons in a modal's input block (Block Kit's `radio_buttons`), for blockkit.js.
// The control is a fieldset that behaves like blockkit's stateful controls: it carries
// data-bk-state, a `value` (the chosen option's value, '' for none) and its option objects
// in `selectOptions`, so state.values sends Slack's `selected_option` for it.

let radioGroupSeq = 0;

function renderRadioButtons(el, ctx) {
  const actionId = actionIdOf(el, 0);
  const group = element('fieldset', 'bk-radio-group', {
    'data-testid': 'modal-input', 'data-block-id': ctx.blockId, 'data-action-id': actionId,
    'data-bk-state': 'radio_buttons', role: 'radiogroup',
  });
  const name = `bk-radio-${++radioGroupSeq}`;
  const options = el.options || [];
  options.forEach((option, index) => {
    const id = `${name}-${index}`;
    const input = element('input', 'bk-radio', { type: 'radio', name, id, 'data-testid': 'radio-option' });
    input.value = String(option.value ?? '');
    const label = element('label', 'bk-radio-option', { for: id }, renderTextObject(option.text));
    label.prepend(input);
    group.append(label);
  });
  selectOptions.set(group, options);
  Object.defineProperty(group, 'value', {
    get: () => group.querySelector('input.bk-radio:checked')?.value ?? '',
    set: (chosen) => group.querySelectorAll('input.bk-radio').forEach((input) => {
      input.checked = input.value === String(chosen ?? '');
    }),
  });
  group.value = el.initial_option?.value ?? '';
  return group;
}
