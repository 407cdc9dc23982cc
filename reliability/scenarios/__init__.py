"""One module per fault scenario; each has `run(env, quick) -> common.Result`."""
