/* The workload of the sample cases (tests/scripts/samples): kt_work MODE [N [M]] makes a known
 * set of events, then exits. Linked statically, so what it does before main is the same every
 * run, and the dynamic loader opens nothing.
 *
 *   syscalls [MS] getppid 40 times, getpid 20, getuid 10, geteuid 5; then sleeps MS milliseconds
 *   opens         opens /etc/hostname 3 times (closed), a missing file twice (ENOENT) and /tmp for
 *                 writing once (EISDIR)
 *   fail          4 opens of a missing file (ENOENT), 3 closes of -1 (EBADF), 2 kills of a pid that
 *                 does not exist (ESRCH), 1 rmdir of / (EBUSY)
 *   sleep N MS    N sleeps of MS milliseconds
 *   rw N SIZE     N reads of SIZE bytes from /dev/zero, then N writes of SIZE bytes to /dev/null
 *   bio N M       N direct (O_DIRECT) reads of 4096 bytes of its own file, then M of 8192
 *   faults N      maps N pages and writes a byte to each
 *   signals N     starts a child that waits, sends it SIGUSR1 N times (each taken), then SIGTERM
 *   exec N        execs itself as "kt_work exec N-1" until N is 0
 *   spin MS       runs on the CPU until it has had MS milliseconds of it
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void sleep_ms(long ms)
{
    struct timespec t = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&t, &t) != 0 && errno == EINTR)
        ;
}

static long cpu_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    long n = argc > 2 ? atol(argv[2]) : 0;
    long m = argc > 3 ? atol(argv[3]) : 0;

    if (strcmp(mode, "syscalls") == 0) {
        for (int i = 0; i < 40; i++)
            syscall(SYS_getppid);
        for (int i = 0; i < 20; i++)
            syscall(SYS_getpid);
        for (int i = 0; i < 10; i++)
            syscall(SYS_getuid);
        for (int i = 0; i < 5; i++)
            syscall(SYS_geteuid);
        if (n > 0)
            sleep_ms(n);
    } else if (strcmp(mode, "opens") == 0) {
        for (int i = 0; i < 3; i++)
            close(open("/etc/hostname", O_RDONLY));
        for (int i = 0; i < 2; i++)
            open("/nonexistent/kt_work", O_RDONLY);
        open("/tmp", O_WRONLY);
    } else if (strcmp(mode, "fail") == 0) {
        for (int i = 0; i < 4; i++)
            open("/nonexistent/kt_work", O_RDONLY);
        for (int i = 0; i < 3; i++)
            close(-1);
        for (int i = 0; i < 2; i++)
            kill(2147483000, 0);
        rmdir("/");
    } else if (strcmp(mode, "sleep") == 0) {
        for (long i = 0; i < n; i++)
            sleep_ms(m);
    } else if (strcmp(mode, "rw") == 0) {
        static char buffer[1 << 16];
        int in = open("/dev/zero", O_RDONLY), out = open("/dev/null", O_WRONLY);
        for (long i = 0; i < n; i++)
            read(in, buffer, m);
        for (long i = 0; i < n; i++)
            write(out, buffer, m);
    } else if (strcmp(mode, "bio") == 0) {
        /* Direct reads go to the disk every time; reading our own file writes nothing, so no
         * journal, writeback or discard of the file system shows up. */
        void *block;
        int fd = open("/proc/self/exe", O_RDONLY | O_DIRECT);
        if (fd < 0 || posix_memalign(&block, 4096, 8192) != 0)
            return 1;
        for (long i = 0; i < n; i++)
            pread(fd, block, 4096, i * 4096);
        for (long i = 0; i < m; i++)
            pread(fd, block, 8192, 65536 + i * 8192);
        close(fd);
    } else if (strcmp(mode, "faults") == 0) {
        long page = sysconf(_SC_PAGESIZE);
        char *pages = mmap(NULL, n * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (pages == MAP_FAILED)
            return 1;
        madvise(pages, n * page, MADV_NOHUGEPAGE);
        for (long i = 0; i < n; i++)
            pages[i * page] = 1;
    } else if (strcmp(mode, "signals") == 0) {
        sigset_t usr1;
        sigemptyset(&usr1);
        sigaddset(&usr1, SIGUSR1);
        sigprocmask(SIG_BLOCK, &usr1, NULL);
        pid_t child = fork();
        if (child == 0) {
            /* Takes the signals one at a time, then waits for SIGTERM. */
            for (long i = 0; i < n; i++) {
                int sig;
                sigwait(&usr1, &sig);
                write(1, "", 0);
            }
            for (;;)
                pause();
        }
        for (long i = 0; i < n; i++) {
            kill(child, SIGUSR1);
            sleep_ms(20);
        }
        kill(child, SIGTERM);
        waitpid(child, NULL, 0);
    } else if (strcmp(mode, "exec") == 0) {
        if (n > 0) {
            /* By its own path, not /proc/self/exe: exec names the task after the file. */
            char self[4096], next[32];
            ssize_t length = readlink("/proc/self/exe", self, sizeof self - 1);
            if (length < 0)
                return 1;
            self[length] = 0;
            snprintf(next, sizeof next, "%ld", n - 1);
            execl(self, "kt_work", "exec", next, (char *)NULL);
            return 1;
        }
    } else if (strcmp(mode, "spin") == 0) {
        long end = cpu_ms() + n;
        while (cpu_ms() < end)
            ;
    } else {
        fprintf(stderr, "kt_work: unknown mode '%s'\n", mode);
        return 2;
    }
    return 0;
}
