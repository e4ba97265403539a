// Kernel tests share one kernel: a sampling test undercounts while another test's tracepoint
// program runs on the same CPU (the kernel skips nested BPF programs), and descriptor or
// kallsyms counts move while other tests load programs. They run one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
