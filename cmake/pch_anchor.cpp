// Anchors the precompiled torch header target; holds no code.
