namespace Ktap.Language.Tests;

/// <summary>Valid ktap scripts: each parses and binds without errors. The property tests mutate them.</summary>
internal static class Corpus
{
    public static readonly string[] Scripts =
    [
        """
        #!/usr/bin/env ktap
        # Count system calls by process name until Ctrl-C.
        var counts = {}
        trace syscalls:sys_enter_* {
            counts[execname] += 1
        }
        trace_end {
            print_hist(counts)
        }
        """,
        """
        -- Files opened, with the name of the process that opened them.
        trace syscalls:sys_enter_openat {
            printf("%-16s %6d %s\n", execname, pid, user_string(arg2))
        }
        """,
        """
        var hist = {}
        var start = {}
        trace probe:vfs_read {
            start[tid] = gettimeofday_us()
        }
        trace probe:vfs_read%return {
            if (start[tid] != nil) {
                hist["us"] <<< gettimeofday_us() - start[tid]
                start[tid] = nil
            }
        }
        tick-5s {
            print(hist)
            exit()
        }
        """,
        """
        var n = 0
        function fib(k) {
            if (k < 2) { return k }
            return fib(k - 1) + fib(k - 2)
        }
        for (i = 0, 10) {
            n += fib(i)
        }
        print("sum", n)
        """,
        """
        var t = {"a", "b", "c"; x = 1, ["key with space"] = 2}
        for (k, v in pairs(t)) {
            print(k, v)
        }
        for (k, v in sort_pairs(t, function(a, b) { return a < b })) {
            print(k)
        }
        print(len(t))
        delete(t)
        """,
        """
        var stacks = {}
        profile-99hz {
            stacks[stack()] += 1
        }
        tick-10s {
            for (s, c in sort_pairs(stacks)) {
                print(s, c)
            }
            exit()
        }
        """,
        """
        trace probe:do_sys_open dfd=%di filename=+0(%si):string flags=%dx:u32 {
            printf("%s %s %x\n", execname, arg2, arg3)
        }
        """,
        """
        trace probe:/lib/x86_64-linux-gnu/libc.so.6:malloc /arg1 > 4096/ {
            printf("big malloc %d by %s\n", arg1, execname)
        }
        """,
        """
        var i = 0
        while (true) {
            i += 1
            if (i == 3) { var skipped = true } elseif (i > 5) { break } else if (i == 4) { print("four") } else { print(i) }
        }
        """,
        """
        var s = [[
        a long string
        with "quotes" and \n kept]]
        var t = [==[ ]] inside ]==]
        --[[ a long
        comment ]]
        --[==[ another ]] one ]==]
        print(s .. t .. "\x41\065\t\z
              done")
        """,
        """
        var a, b = 1, 2
        a, b = b, a
        var c = -a * (b + 3) / 2 % 7
        var ok = !(a == b) && (c >= 0 || c < -100) && "x" != 'y'
        print(a, b, c, ok, 0x1f, 017, 0xffffffffffffffff)
        """,
        """
        var ctx = {depth = 0}
        function ctx_push(o) { o.depth += 1; return o.depth }
        var obj = {value = 10, get = function(self) { return self.value }}
        print(obj:get(), ctx_push(ctx))
        repeat
            ctx.depth += 1
        until (ctx.depth > 3)
        do print("done") end
        """,
        """
        var reads = {}
        trace syscalls:sys_exit_read /ret > 0/ {
            reads[execname] <<< arg1
        }
        trace_end {
            for (k, v in pairs(reads)) {
                printf("%s %d\n", k, v)
            }
        }
        """,
        """
        var lat = {}
        tick-1s {
            ansi.clear_screen()
            ansi.set_color(32)
            print(lat)
            ansi.reset_color()
        }
        trace sched:sched_switch, sched:sched_wakeup {
            lat[probename] <<< cpu
            print(argstr, probename, arg0, tid, uid)
        }
        """,
        """
        var t = table.new(16, 0)
        var function helper(x) { return x * 2 }
        function apply(f, v) { return f(v) }
        print(apply(helper, 21), arg[0], kernel_v(), arch(), num_cpus())
        printf("%5.2s|%-8d|%+d|% d|%#x|%08X|%c|%p|%%\n", "abc", 1, 2, 3, 255, 255, 65, 0)
        """,
    ];
}
