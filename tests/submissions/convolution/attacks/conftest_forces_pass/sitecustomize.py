import builtins

builtins.__dict__["NotImplementedError"] = type("NotImplementedError", (Exception,), {})
