module tlstuistack

go 1.19
