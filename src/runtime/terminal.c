/* SPDX-License-Identifier: Apache-2.0 */
#include "runtime/terminal.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>

#include "basic/fs-util.h"
#include "basic/log.h"

int terminal_open_pty(unsigned rows, unsigned cols, int *ret_master, int *ret_slave,
                      WarrenError **err) {
        _cleanup_close_ int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (master < 0)
                return error_set_errno(err, errno, "open `/dev/ptmx`");
        if (unlockpt(master) < 0)
                return error_set_errno(err, errno, "unlockpt");
        char name[128];
        if (ptsname_r(master, name, sizeof(name)) != 0)
                return error_set_errno(err, errno, "ptsname");
        int slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (slave < 0)
                return error_set_errno(err, errno, "open `%s`", name);
        if (rows && cols) {
                struct winsize ws = {.ws_row = (unsigned short)rows,
                                     .ws_col = (unsigned short)cols};
                (void)ioctl(master, TIOCSWINSZ, &ws);
        }
        *ret_master = TAKE_FD(master);
        *ret_slave = slave;
        return 0;
}

int terminal_make_controlling(int slave, WarrenError **err) {
        if (setsid() < 0)
                return error_set_errno(err, errno, "setsid");
        if (ioctl(slave, TIOCSCTTY, 0) < 0)
                return error_set_errno(err, errno, "set the controlling terminal");
        for (int i = 0; i < 3; i++)
                if (dup2(slave, i) < 0)
                        return error_set_errno(err, errno, "dup2 the terminal");
        return 0;
}

int terminal_connect_socket(const char *path, int *ret_fd, WarrenError **err) {
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        if (strlen(path) >= sizeof(sa.sun_path))
                return error_set(err, ENAMETOOLONG, "console socket path `%s` is too long", path);
        strcpy(sa.sun_path, path);
        _cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return error_set_errno(err, errno, "socket");
        if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
                return error_set_errno(err, errno, "connect to the console socket `%s`", path);
        *ret_fd = TAKE_FD(fd);
        return 0;
}

int terminal_send_master(int sock, int master, WarrenError **err) {
        static const char name[] = "/dev/ptmx";
        int r = send_fd(sock, master, name, sizeof(name) - 1);
        if (r < 0)
                return error_set_errno(err, -r, "send the terminal to the console socket");
        return 0;
}

void terminal_copy_size(int master) {
        struct winsize ws;
        if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
                (void)ioctl(master, TIOCSWINSZ, &ws);
}

int terminal_proxy(int master, int sigfd, pid_t pid, WarrenError **err) {
        struct termios saved;
        bool raw = false;
        if (isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved) == 0) {
                struct termios t = saved;
                cfmakeraw(&t);
                t.c_oflag = saved.c_oflag;
                raw = tcsetattr(STDIN_FILENO, TCSANOW, &t) == 0;
                terminal_copy_size(master);
        }
        bool stdin_open = true;
        char buf[8192];
        for (;;) {
                struct pollfd p[3] = {
                        {.fd = master, .events = POLLIN},
                        {.fd = stdin_open ? STDIN_FILENO : -1, .events = POLLIN},
                        {.fd = sigfd, .events = POLLIN},
                };
                if (poll(p, 3, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        break;
                }
                if (p[2].revents & POLLIN) {
                        struct signalfd_siginfo si;
                        if (read(sigfd, &si, sizeof(si)) == sizeof(si)) {
                                if (si.ssi_signo == SIGWINCH)
                                        terminal_copy_size(master);
                                else if (si.ssi_signo != SIGCHLD)
                                        kill(pid, (int)si.ssi_signo);
                        }
                }
                if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
                        ssize_t n = read(master, buf, sizeof(buf));
                        if (n <= 0) {
                                if (n < 0 && errno == EINTR)
                                        continue;
                                break; /* EIO: the slave side is gone */
                        }
                        if (write_all(STDOUT_FILENO, buf, (size_t)n) < 0)
                                break;
                }
                if (p[1].revents & (POLLIN | POLLHUP | POLLERR)) {
                        ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
                        if (n <= 0) {
                                stdin_open = false;
                                /* EOF on a non-tty stdin: send the terminal's EOF character */
                                if (!raw)
                                        (void)write(master, "\x04", 1);
                        } else
                                (void)write_all(master, buf, (size_t)n);
                }
        }
        if (raw)
                tcsetattr(STDIN_FILENO, TCSANOW, &saved);
        (void)err;
        return 0;
}
