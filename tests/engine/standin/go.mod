module itops/standin

go 1.26
