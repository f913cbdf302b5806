import { useShell } from '../../store/shell';

export function CaptureView() {
  const showSection = useShell((s) => s.showSection);
  return (
    <div className="placeholder">
      <h2>Capture</h2>
      <p className="empty">
        Live camera capture (live view, focus, snapshots, tiles and holograms) arrives in a coming release. Until then, bring existing images into a
        session with <strong>Import images</strong> in the Catalog.
      </p>
      <button type="button" onClick={() => showSection('catalog')}>
        Go to Catalog
      </button>
    </div>
  );
}
