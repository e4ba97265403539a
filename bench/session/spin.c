/* The workload of bench/session.sh: calls getppid() (or write(2) of one byte to /dev/null with
 * "write") in a loop until killed, so a probe on it fires as soon as it is attached. */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "write") == 0) {
        int fd = open("/dev/null", O_WRONLY);
        for (;;)
            write(fd, "x", 1);
    }
    for (;;)
        getppid();
}
