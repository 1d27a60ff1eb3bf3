"""Where every tensor lives: SRAM address space, placement policies, tiling, plan checking."""
