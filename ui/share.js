// The copy button of the share row under the map (the link itself is the input's value).
// Bound once per page on the document, so that Streamlit's reruns need no new listeners.
if (!window.__rcShare) {
  window.__rcShare = true;
  document.addEventListener('focusin', (event) => {
    if (event.target.matches('.share-row input')) event.target.select();
  });
  document.addEventListener('click', async (event) => {
    const button = event.target.closest('.share-row button');
    if (!button) return;
    const input = button.parentElement.querySelector('input');
    input.select();
    let done = false;
    try {
      await navigator.clipboard.writeText(input.value);
      done = true;
    } catch {
      done = document.execCommand('copy');
    }
    if (done) {
      const label = button.textContent;
      button.textContent = button.dataset.done;
      setTimeout(() => { button.textContent = label; }, 1500);
    }
  });
}
