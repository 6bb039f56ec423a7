// Sum of one float per thread over a workgroup of THREADS threads, shared by
// the LayerNorm kernels (#included; the includer declares THREADS).
//
// SUBGROUP_REDUCE (a variant built for devices with subgroup arithmetic in
// compute shaders): each subgroup adds its values in registers and one
// partial per subgroup goes through shared memory. Plain path (as the WGSL
// kernels do): every thread writes its value and every thread adds all
// THREADS partials itself, two barriers instead of a log-step tree's twelve.
#ifdef SUBGROUP_REDUCE
shared float partial[THREADS];  // one per subgroup used (subgroups are at least 1 wide)

float workgroup_sum(float v) {
  const float s = subgroupAdd(v);
  if (subgroupElect()) partial[gl_SubgroupID] = s;
  barrier();
  float total = 0.0;
  for (uint i = 0u; i < gl_NumSubgroups; ++i) total += partial[i];
  barrier();  // before partial is written again
  return total;
}
#else
shared float partial[THREADS];

float workgroup_sum(float v) {
  partial[gl_LocalInvocationIndex] = v;
  barrier();
  float total = 0.0;
  for (uint i = 0u; i < THREADS; ++i) total += partial[i];
  barrier();  // before partial is written again
  return total;
}
#endif
