/* The workload of the tracing tests: opens /etc/hostname read-only N times and a scratch file
 * for writing M times, then exits. Linked statically, so the dynamic loader opens nothing. */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    int reads = argc > 1 ? atoi(argv[1]) : 0;
    int writes = argc > 2 ? atoi(argv[2]) : 0;
    for (int i = 0; i < reads; i++)
        close(open("/etc/hostname", O_RDONLY));
    for (int i = 0; i < writes; i++)
        close(open(argc > 3 ? argv[3] : "/tmp/kt_opener.out", O_WRONLY | O_CREAT, 0600));
    return 0;
}
