// Fits each iframe of Attention Playground's embed.html on this page to its content, so it
// never scrolls inside and never leaves a gap. Put it anywhere on the host page:
//   <script src="embed-resize.js" defer></script>
// It is the iframe snippet's inline script as a file, for hosts whose Content-Security-
// Policy refuses inline scripts (copy it to your own site if your policy allows only that).
// The frame sends { type: 'attention-playground:height', height } on load and on every
// change of its size. Only a number is taken, and only from an iframe of this page
// (event.source); that iframe gets the height, and an answer so it can drop its own
// scrollbar. Every other message is ignored.
(() => {
  const HEIGHT = 'attention-playground:height';
  const FIT = 'attention-playground:fit';
  const MAX = 100000; // px; a frame cannot make the page absurdly long
  const frames = () => Array.from(document.getElementsByTagName('iframe'));

  addEventListener('message', (event) => {
    const data = event.data;
    if (data?.type !== HEIGHT || !Number.isFinite(data.height)) return;
    const frame = frames().find((f) => f.contentWindow === event.source);
    if (!frame) return;
    // With box-sizing: border-box the height includes the frame's own padding and border.
    const style = getComputedStyle(frame);
    const extra = style.boxSizing === 'border-box'
      ? ['paddingTop', 'paddingBottom', 'borderTopWidth', 'borderBottomWidth'].reduce((sum, key) => sum + (parseFloat(style[key]) || 0), 0)
      : 0;
    frame.style.height = `${Math.min(Math.max(Math.ceil(data.height), 0), MAX) + extra}px`;
    event.source.postMessage({ type: FIT }, '*');
  });

  // Frames that loaded before this script ran have reported to nobody: ask them again.
  for (const frame of frames()) frame.contentWindow?.postMessage({ type: FIT }, '*');
})();
