/**
 * What `clear` prints (ncurses' clear on xterm: home, erase the screen, erase the scrollback).
 * The TUI compares a line's output with it and clears its own screen instead of printing it.
 */
export const CLEAR_SCREEN = "\x1b[H\x1b[2J\x1b[3J";
