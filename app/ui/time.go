package ui

import "time"

var timeNow = time.Now
