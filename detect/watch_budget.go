package detect

import (
	"os"
	"strconv"
	"strings"
)

// maxWatchBudget is the most watches one watcher of ours takes by default.
const maxWatchBudget = 8192

// WatchBudget is the default number of inotify watches one watcher of this
// program (the router's, each instance's) may hold: 8192, but at most a
// quarter of the user's limit (fs.inotify.max_user_watches, which was 8192
// itself before Linux 5.11), so that the router, a few instances and the
// user's editor share it rather than the first taking it all. Past its
// budget a watcher degrades to checking the files, which stays correct.
func WatchBudget() int { return watchBudget("/proc/sys/fs/inotify/max_user_watches") }

func watchBudget(limitFile string) int {
	b, err := os.ReadFile(limitFile)
	if err != nil {
		return maxWatchBudget // not Linux, or not readable: the cap
	}
	limit, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || limit <= 0 {
		return maxWatchBudget
	}
	return min(maxWatchBudget, max(256, limit/4))
}
