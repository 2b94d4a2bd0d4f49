// SPDX-License-Identifier: MIT
#include "stopsig.h"

static sigset_t stop_set;
static bool stop_set_known;

void rc_stop_signals(const sigset_t *set)
{
	stop_set = *set;
	stop_set_known = true;
}

bool rc_is_stop_signal(int signo)
{
	return stop_set_known && sigismember(&stop_set, signo) == 1;
}

bool rc_stop_pending(void)
{
	sigset_t pending, both;

	if (!stop_set_known || sigpending(&pending) < 0)
		return false;
	sigandset(&both, &pending, &stop_set);
	return !sigisemptyset(&both);
}
