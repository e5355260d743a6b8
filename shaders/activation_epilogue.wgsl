// The fused-activation epilogue of the sparse products (spmm_csr, conv_csr), put by the host after
// activation_functions.wgsl and in front of the kernel. The kernel declares the uniform `params`
// with the fields negativeSlope, alpha, beta and blend (the activation's parameters), its output
// cT and a second array `aux` in cT's layout, both read_write vec4 arrays.
//
// EPILOGUE 0 stores the product; ACTIVATE (a forward pass) stores the product z in cT and
// activated(z) in aux, the layer's output and the pre-activation its backward pass needs out of
// one pass; SLOPE (a backward-data pass into a layer whose activation this was) stores
// product · act'(z), z read from aux: the gradient with respect to that layer's pre-activation.
// Without an epilogue aux is bound to a small unused buffer.

override EPILOGUE: u32 = 0u;

const ACTIVATE = 1u;
const SLOPE = 2u;

// Stores one vec4 group of the product at `word` of cT (and aux) through the epilogue; lanes that
// are not `live` (batch padding) are written 0 in every output.
fn storeEpilogue(word: u32, product: vec4<f32>, live: vec4<bool>) {
  let zero = vec4<f32>(0.0);
  let z = select(zero, product, live);
  let p = ActivationParams(params.negativeSlope, params.alpha, params.beta, params.blend);
  switch EPILOGUE {
    case ACTIVATE: {
      cT[word] = z;
      aux[word] = select(zero, activated(z, p), live);
    }
    case SLOPE: {
      cT[word] = select(zero, z * activatedSlope(aux[word], p), live);
    }
    default: {
      cT[word] = z;
    }
  }
}
