// pace RATE SECONDS: calls getppid() RATE times a second (RATE 0: as fast as it can) for SECONDS,
// then prints how many calls it made and over how many seconds. The workload of bench/run's
// printing cases: each call is one event of syscalls:sys_enter_getppid.
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static double since(const struct timespec *start)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: pace RATE SECONDS\n");
        return 2;
    }
    long rate = atol(argv[1]);
    double seconds = atof(argv[2]), elapsed;
    struct timespec start;
    long calls = 0;
    clock_gettime(CLOCK_MONOTONIC, &start);
    while ((elapsed = since(&start)) < seconds) {
        // glibc's getppid() is the system call itself, but syscall() makes sure of it.
        long due = rate ? (long)(elapsed * (double)rate) + 1 : calls + 1000;
        while (calls < due) {
            syscall(SYS_getppid);
            calls++;
        }
    }
    printf("%ld %.6f\n", calls, elapsed);
    return 0;
}
