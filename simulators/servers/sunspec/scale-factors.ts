/**
 * Scale factors the simulated devices serve, fixed per point (SunSpec allows them to change
 * only with a restart). Chosen for kW-scale plants: int16 power with W_SF = 1 spans ±327.67 kW
 * in 10 W steps; a bigger device passes its own factors in its spec.
 */
export const DEFAULT_SCALE_FACTORS: Readonly<Record<number, Readonly<Record<string, number>>>> = {
  103: {
    A_SF: -1,
    V_SF: -1,
    W_SF: 1,
    Hz_SF: -2,
    VA_SF: 1,
    VAr_SF: 1,
    PF_SF: -2,
    WH_SF: 0,
    DCA_SF: -1,
    DCV_SF: -1,
    DCW_SF: 1,
    Tmp_SF: -1,
  },
  203: {
    A_SF: -1,
    V_SF: -1,
    Hz_SF: -2,
    W_SF: 1,
    VA_SF: 1,
    VAR_SF: 1,
    PF_SF: -2,
    TotWh_SF: 0,
    TotVAh_SF: 0,
    TotVArh_SF: 0,
  },
  123: {
    WMaxLimPct_SF: -1,
    OutPFSet_SF: -3,
    VArPct_SF: -1,
  },
  124: {
    WChaMax_SF: 1,
    WChaDisChaGra_SF: 0,
    VAChaMax_SF: 1,
    MinRsvPct_SF: -1,
    ChaState_SF: -1,
    StorAval_SF: 0,
    InBatV_SF: -1,
    InOutWRte_SF: -1,
  },
};
