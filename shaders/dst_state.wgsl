// The selection state of the mask update's radix select (src/kernels/dst.ts): word indices into
// the `work` buffer of the passes that compose this part in front of them (dst_select with its
// dst_pick part, dst_scan). work[NEED]: keys still to take below the picked high digit;
// work[PREFIX]: that digit, shifted to the top 16 bits; work[THRESHOLD]: the k-th largest key T;
// work[TAKE]: how many keys equal to T are selected; work[FALLBACK]: 1 when SET's one-walk
// candidate selection did not settle T, so that the two-walk radix select ran after it in the
// same dispatch.
//
// The `hist` buffer: the 65536-bin digit histogram, then SET's candidate count at
// hist[CANDIDATE_COUNT] and the candidate keys from hist[CANDIDATES] on.

const NEED = 0u;
const PREFIX = 1u;
const THRESHOLD = 2u;
const TAKE = 3u;
const FALLBACK = 4u;

const HIST_BINS = 65536u;
const CANDIDATE_COUNT = HIST_BINS;
const CANDIDATES = HIST_BINS + 1u;
