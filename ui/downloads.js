// A download clicked while the page reruns gives the file of the view the run draws.
//
// Streamlit makes a download's file when its button is clicked, from a "deferred" callable
// registered when the button is drawn. A run registers new callables and forgets the old
// ones when it ends; a click that still carries an old one's id gets "Deferred file … not
// found": no file, and a message in English that goes away after 5 s. Two cases:
//
// - The page knows a run is under way: Streamlit marks every element it has not drawn
//   again yet with data-stale="true". The click is held (the button says it waits) and
//   given to the same button (its key, st-key-…) once the run has drawn it again.
// - The page did not know yet (the run started and ended while its main thread was busy,
//   e.g. drawing 10,000 markers): the click goes out with the old id and fails. Then the
//   click is made once more, on the button the run has drawn since.
//
// Either way the user gets the file of the view now on screen. If the run does not draw
// the button again (another mode), the click is dropped with the button.
//
// A click that fails otherwise (slowly: the file took too long and was stopped, see
// geo/offload.py, or the export failed) is not made again: the page says so in its own
// language (#rc-dl-failed, written by ui/panels.py) under the button.
//
// Bound once per page on the document, capture phase (before React's own listener).
if (!window.__rcDownloads) {
  window.__rcDownloads = true;
  const WAIT_MS = 180000; // Streamlit's own limit for a deferred file
  const STEP_MS = 100;
  const BUTTON = '[data-testid="stDownloadButton"] button';
  const BOX = '[data-testid="stElementContainer"]';
  const ERROR = '[data-testid="stDownloadButtonError"]';
  const QUICK_MS = 5000; // a stale id fails at once; a file stopped at its limit, much later
  const SAY_MS = 15000;

  const keyOf = (box) => Array.from(box.classList).find((name) => name.startsWith('st-key-'));
  const boxOf = (key) => document.querySelector('.' + CSS.escape(key));
  const stale = (box) => box.getAttribute('data-stale') === 'true';
  const running = () => Boolean(document.querySelector(BOX + '[data-stale="true"]'));

  // Poll until ready(box) says go (true: click the button again) or stop (null), or the
  // button is gone, or time is up.
  const later = (key, since, ready, again) => {
    const box = boxOf(key);
    const go = box ? ready(box) : false;
    if (go === null) return;
    if (go) {
      const button = box.querySelector(BUTTON);
      if (button && !button.disabled) {
        if (again) box.setAttribute('data-rc-again', '1');
        button.click();
      }
      if (!again) box.classList.remove('rc-dl-waiting');
      return;
    }
    if ((!box && !running()) || Date.now() - since > WAIT_MS) {
      if (box) box.classList.remove('rc-dl-waiting');
      return;
    }
    setTimeout(() => later(key, since, ready, again), STEP_MS);
  };

  // The page's own message under the button, for a file that could not be made.
  const sayFailed = (box) => {
    const text = document.getElementById('rc-dl-failed');
    if (!text || box.querySelector('.rc-dl-failed')) return;
    const note = document.createElement('div');
    note.className = 'rc-dl-failed';
    note.setAttribute('role', 'alert');
    note.textContent = text.getAttribute('data-text');
    box.appendChild(note);
    box.classList.remove('rc-dl-waiting');
    box.classList.add('rc-dl-said');
    setTimeout(() => { note.remove(); box.classList.remove('rc-dl-said'); }, SAY_MS);
  };

  // A click that went out: if it fails at once, click the button the run has drawn since
  // once more; if it fails later, or again, say so.
  const watch = (key, since, again) => later(key, since, (box) => {
    const button = box.querySelector(BUTTON);
    if (!box.querySelector(ERROR)) {
      // done when the button no longer waits for its file (it is disabled while it does)
      return Date.now() - since > 1000 && button && !button.disabled && !running() ? null : false;
    }
    if (again || Date.now() - since > QUICK_MS) {
      sayFailed(box);
      return null;
    }
    if (running()) return false;
    box.classList.add('rc-dl-waiting'); // hides Streamlit's message while the click is made again
    setTimeout(() => box.classList.remove('rc-dl-waiting'), 5000);
    return true;
  }, true);

  document.addEventListener('click', (event) => {
    const button = event.target.closest && event.target.closest(BUTTON);
    const box = button && button.closest(BOX);
    const key = box && keyOf(box);
    if (!key) return;
    if (stale(box)) {
      event.preventDefault();
      event.stopImmediatePropagation();
      if (box.classList.contains('rc-dl-waiting')) return; // one held click per button
      box.classList.add('rc-dl-waiting');
      later(key, Date.now(), (b) => !stale(b), false);
      return;
    }
    const again = Boolean(box.getAttribute('data-rc-again'));
    box.removeAttribute('data-rc-again');
    watch(key, Date.now(), again);
  }, true);
}
