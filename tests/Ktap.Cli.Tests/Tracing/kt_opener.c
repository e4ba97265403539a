/* The workload of the tracing tests: kt_opener READS [WRITES [FILE [wait]]] opens /etc/hostname
 * read-only READS times and FILE (default /tmp/kt_opener.out) for writing WRITES times, then
 * exits. With "wait" it first reads one byte from standard input, so a test can start it, attach
 * to it (-p) and then let it go. Linked statically, so the dynamic loader opens nothing. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    int reads = argc > 1 ? atoi(argv[1]) : 0;
    int writes = argc > 2 ? atoi(argv[2]) : 0;
    const char *path = argc > 3 ? argv[3] : "/tmp/kt_opener.out";
    if (argc > 4 && strcmp(argv[4], "wait") == 0) {
        char go;
        if (read(0, &go, 1) != 1)
            return 1;
    }
    for (int i = 0; i < reads; i++)
        close(open("/etc/hostname", O_RDONLY));
    for (int i = 0; i < writes; i++)
        close(open(path, O_WRONLY | O_CREAT, 0600));
    return 0;
}
