// Keyboard shortcuts of the Playground: space plays or pauses, the right arrow trains one
// step, "r" resets. They press the page's own buttons, so they do exactly what a click does.
// Keys typed into a text box, a slider or a select are left alone, as are keys with Ctrl,
// Alt or Meta (the browser's own shortcuts).
const BUTTONS = { " ": /\b(Play|Pause)$/, ArrowRight: /\bStep$/, r: /\bReset$/, R: /\bReset$/ };

function typing(target) {
  return target instanceof HTMLElement && (target.isContentEditable || target.matches("input, textarea, select, [role='slider'], [role='combobox']"));
}

function onKey(event) {
  const name = BUTTONS[event.key];
  if (!name || event.ctrlKey || event.altKey || event.metaKey || typing(event.target)) return;
  const button = [...document.querySelectorAll('[data-testid="stButton"] button')].find((b) =>
    name.test(b.innerText.trim()),
  );
  if (!button || button.disabled) return;
  event.preventDefault(); // no page scroll on space
  button.click();
}

export default function () {
  if (!window.__ddeShortcuts) {
    window.__ddeShortcuts = true;
    document.addEventListener("keydown", onKey);
  }
}
