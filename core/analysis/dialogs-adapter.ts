/** Dialogs for the AnalysisResult, from the dialog observer (dialogs.ts). */
import type { CaptureModel, DialogView } from "./model";
import type { TransactionObservation } from "./transactions";
import { observeDialogs } from "./dialogs";

export function observeDialogsSafe(model: CaptureModel, obs: TransactionObservation): DialogView[] {
  return observeDialogs(model, obs);
}
