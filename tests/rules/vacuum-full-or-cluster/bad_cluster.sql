CLUSTER patients USING patients_pkey;
