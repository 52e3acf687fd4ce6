// healthgated: placeholder until the daemon entry point lands
