// The selection state of the mask update (src/kernels/dst.ts): word indices into the `work`
// buffer of the passes that compose this part in front of them (dst_select with its dst_pick part,
// dst_scan, dst_grow). work[NEED]: keys still to take below the picked high digit; work[PREFIX]:
// that digit, shifted to the top 16 bits; work[THRESHOLD]: the k-th largest key T; work[TAKE]: how
// many keys equal to T are selected; work[FALLBACK]: 1 when SET's grow found fewer than k free
// positions in its candidate window and went on along its sequence, or RigL's sampled list missed
// some of the k largest and the grow selected over every position (shaders/dst_grow.wgsl).
//
// The `hist` buffer (dst_select): the 65536-bin digit histogram.

const NEED = 0u;
const PREFIX = 1u;
const THRESHOLD = 2u;
const TAKE = 3u;
const FALLBACK = 4u;

const HIST_BINS = 65536u;
