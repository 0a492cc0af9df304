UPDATE small_lookup SET label = trim(label);
