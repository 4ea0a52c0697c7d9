/** Messages between the page and the computation worker. */
import type {
  CubicCurve,
  CubicPhaseDiagram,
  CubicPoint,
  CubicTransition,
  Failure,
  KernelsView,
  ModularView,
  MsaPoint,
} from './compute';
import type { ViewState } from './state';

/** Page → worker: compute the view for this state. A newer request makes the worker drop older ones. */
export interface Request {
  id: number;
  state: ViewState;
}

/** Everything a view can show; the worker fills it in stages (fast numbers first, then the curves). */
export interface Result {
  // cubic
  transition?: CubicTransition | Failure;
  point?: CubicPoint | Failure;
  curve?: CubicCurve | Failure;
  phase?: CubicPhaseDiagram;
  // modular
  modular?: ModularView | Failure;
  // kernels
  kernels?: KernelsView | Failure;
  // msa
  msaPoint?: MsaPoint | Failure;
  msaCurve?: (MsaPoint | Failure)[];
}

/** Worker → page: a stage of request `id` (merged into what the page has); `complete` on the last one. */
export interface Reply {
  id: number;
  data: Result;
  complete: boolean;
  seconds: number;
  error?: string;
}
