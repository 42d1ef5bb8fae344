// Presenter mode's keys and full-screen button. A clicker sends PageUp / PageDown; the
// arrows step too and Escape goes back to the explorer, wherever the focus is: the map's
// frame forwards the keys it receives here (geo/mapview/static/runtime.js, forwardKeys).
(function () {
  var BUTTONS = {
    PageDown: 'tour_next', ArrowRight: 'tour_next', ArrowDown: 'tour_next',
    PageUp: 'tour_prev', ArrowLeft: 'tour_prev', ArrowUp: 'tour_prev',
    Escape: 'to_explore'
  };
  // Press the button the key stands for; false when the key is not one of ours.
  function press(key) {
    var name = BUTTONS[key], button = name && document.querySelector('.st-key-' + name + ' button');
    if (!button || button.disabled) return false;
    button.click();
    return true;
  }
  // The map's frame takes the screen's height under the header, whatever the screen
  // (Streamlit draws it at a fixed height; the map inside follows its frame).
  function fitMap() {
    var frame = document.querySelector('iframe[title="streamlit_folium.st_folium"]');
    if (!frame || !document.querySelector('.st-key-tour_next')) return;
    var top = frame.getBoundingClientRect().top + window.scrollY;
    var height = Math.max(360, Math.floor(window.innerHeight - top - 16)) + 'px';
    if (frame.style.height !== height) frame.style.setProperty('height', height, 'important');
  }
  window.__rcPresentKey = press;
  if (window.__rcPresentBound) return;
  window.__rcPresentBound = true;
  var pending = false;
  function fitSoon() {
    if (pending) return;
    pending = true;
    window.requestAnimationFrame(function () { pending = false; fitMap(); });
  }
  window.addEventListener('resize', fitSoon);
  new window.MutationObserver(fitSoon).observe(document.body, {childList: true, subtree: true});
  fitSoon();
  document.addEventListener('keydown', function (e) {
    if (!document.querySelector('.st-key-tour_next')) return;  // not in presenter mode
    if (e.target.closest && e.target.closest('input, textarea, select, [contenteditable="true"]')) return;
    // (PageUp / PageDown on the page itself reach the buttons' own shortcuts)
    if (e.key === 'PageUp' || e.key === 'PageDown') return;
    if (press(e.key)) e.preventDefault();
  });
  // The timeline's play button: the next year every few seconds, until the last one or a
  // second click (the interval lives in the page, across the app's reruns).
  var PLAY_MS = 3000;
  function play() {
    if (window.__rcPlaying) {
      window.clearInterval(window.__rcPlaying);
      window.__rcPlaying = null;
      return;
    }
    window.__rcPlaying = window.setInterval(function () {
      if (!press('PageDown')) { window.clearInterval(window.__rcPlaying); window.__rcPlaying = null; }
    }, PLAY_MS);
  }
  document.addEventListener('click', function (e) {
    if (e.target.closest('.rc-play')) { play(); return; }
    if (!e.target.closest('.rc-fullscreen')) return;
    if (document.fullscreenElement) document.exitFullscreen();
    else document.documentElement.requestFullscreen().catch(function () {});
  });
}());
