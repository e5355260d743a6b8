// The selection state of the mask update's radix select (src/kernels/dst.ts): word indices into
// the `work` buffer of the passes that compose this part in front of them (dst_select, dst_pick,
// dst_scan). work[NEED]: keys still to take below the picked high digit; work[PREFIX]: that digit,
// shifted to the top 16 bits; work[THRESHOLD]: the k-th largest key T; work[TAKE]: how many keys
// equal to T are selected.

const NEED = 0u;
const PREFIX = 1u;
const THRESHOLD = 2u;
const TAKE = 3u;
