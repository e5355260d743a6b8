// The batch tiling of the sparse products (spmm_csr, conv_csr, conv_bsr), put by the host in front
// of the kernel: where an invocation works and which vec4 batch groups its accumulators hold. The
// kernel declares the overrides WG_B (invocations along the batch sharing a slot), WG_R (slots per
// workgroup) and BV (vec4 groups per invocation), and the uniform `params` with the fields tiles
// (workgroup tiles in all), tilesB (tiles along the batch), rows (slots of the pass) and groups
// (vec4 groups of the batch).
//
// Workgroups form a folded 1D list of tiles (linear index wid.x + wid.y·nwg.x), batch tile fastest:
// the WG_B invocations of a workgroup along x share a slot and take interleaved batch groups, the
// WG_R along y take consecutive slots.

// The invocation's place: its slot and first batch group, or slot = rows when it has nothing to do.
struct Place {
  slot: u32,
  firstGroup: u32,
}

fn place(lid: vec3<u32>, wid: vec3<u32>, nwg: vec3<u32>) -> Place {
  let tile = wid.x + wid.y * nwg.x;
  if (tile >= params.tiles) {
    return Place(params.rows, 0u);
  }
  let slot = (tile / params.tilesB) * WG_R + lid.y;
  return Place(min(slot, params.rows), (tile % params.tilesB) * WG_B * BV + lid.x);
}

// The batch groups of accumulators k: group firstGroup + (k % BV)·WG_B. Groups past the batch
// re-read the last group (no branch in the loops) and are not stored.
fn slotGroups(firstGroup: u32, k: vec4<u32>) -> vec4<u32> {
  return min(firstGroup + (k % BV) * WG_B, vec4<u32>(params.groups - 1u));
}
