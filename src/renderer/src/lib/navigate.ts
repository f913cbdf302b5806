/** Moves between sections the way a search hit or a thumbnail click asks; the only code that touches several slices. */
import { lucida } from '../bridge';
import { useCatalog } from '../store/catalog';
import { useShell } from '../store/shell';
import { useViewer } from '../store/viewer';
import { messageOf } from './errors';

export function openSpecimen(id: number): void {
  useCatalog.getState().selectSpecimen(id);
  useShell.getState().showSection('catalog');
}

export async function openSession(id: number): Promise<void> {
  try {
    const session = await lucida().sessions.get({ id });
    useCatalog.getState().selectSession(session.id, session.specimenId);
    useShell.getState().showSection('catalog');
  } catch (error) {
    useShell.getState().notify(messageOf(error));
  }
}

export function openCapture(id: number, sessionId?: number | null, specimenId?: number | null): void {
  if (sessionId != null) useCatalog.getState().selectSession(sessionId, specimenId);
  useViewer.getState().open(id);
  useShell.getState().showSection('viewer');
}

export async function openCaptureById(id: number): Promise<void> {
  try {
    const { capture } = await lucida().captures.get({ id });
    openCapture(capture.id, capture.sessionId, capture.specimenId);
  } catch (error) {
    useShell.getState().notify(messageOf(error));
  }
}
