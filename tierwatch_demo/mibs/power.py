"""Power devices: APC rPDU2 and Raritan PDU2 rack PDUs, and RFC 1628 UPS-MIB UPS systems."""

from __future__ import annotations

from tierwatch_demo.mibs.base import Mib, Objects
from tierwatch_demo.model import PHASE_VOLTS, POWER_FACTOR, HallModel, PduState, outlet_weights

APC = "1.3.6.1.4.1.318.1.1"
RARITAN = "1.3.6.1.4.1.13742.6"
UPS = "1.3.6.1.2.1.33.1"


def load_state(pdu: PduState) -> tuple[int, list[int]]:
    """(device, per phase) rPDU2 load states: 1 lowLoad, 2 normal, 3 nearOverload, 4 overload."""
    def state(ratio: float) -> int:
        return 4 if ratio >= 1.0 else 3 if ratio >= 0.8 else 1 if ratio < 0.05 else 2
    phases = [state(pdu.phase_amperes(i) / pdu.phase_rated_amperes) for i in range(3)]
    return max(phases), phases


def apc_rpdu2(model: HallModel, name: str) -> Objects:
    pdu = model.pdus[name]
    m = Mib()
    m.system(model, name, "APC Web/SNMP Management Card (MB:v4.1.0 PF:v6.8.2 PN:apc_hw05_aos_682.bin "
             "AF1:v6.8.2 AN1:apc_hw05_rpdu2g_682.bin MN:AP8653 HR:02)", "1.3.6.1.4.1.318.1.3.4.6",
             f"{model.spec.hall.name} rack {pdu.rack}")
    m.put(APC + ".12.1.15", 0, "int", 400)                         # rPDUIdentDeviceLinetoLineVoltage
    m.put(APC + ".12.1.16", 0, "int", pdu.watts)                   # rPDUIdentDevicePowerWatts
    device, phases = load_state(pdu)
    for i in range(3):                                             # rPDULoadStatusTable, bank 0 = phase
        row = i + 1
        m.put(APC + ".12.2.3.1.1.1", row, "int", row)               # rPDULoadStatusIndex
        m.put(APC + ".12.2.3.1.1.2", row, "gauge", pdu.phase_amperes(i) * 10)  # rPDULoadStatusLoad (0.1 A)
        m.put(APC + ".12.2.3.1.1.3", row, "int", {1: 2, 2: 1, 3: 3, 4: 4}[phases[i]])  # rPDULoadStatusLoadState
        m.put(APC + ".12.2.3.1.1.4", row, "int", row)               # rPDULoadStatusPhaseNumber
        m.put(APC + ".12.2.3.1.1.5", row, "int", 0)                 # rPDULoadStatusBankNumber
    dev = APC + ".26.4.3.1"                                        # rPDU2DeviceStatusTable
    m.put(dev + ".1", 1, "int", 1)                                 # rPDU2DeviceStatusIndex
    m.put(dev + ".4", 1, "int", device)                            # rPDU2DeviceStatusLoadState
    m.put(dev + ".5", 1, "int", pdu.watts / 10)                    # rPDU2DeviceStatusPower (0.01 kW)
    m.put(dev + ".6", 1, "int", pdu.peak_watts / 10)               # rPDU2DeviceStatusPeakPower
    m.put(dev + ".9", 1, "int", pdu.energy_joules / 3.6e5)         # rPDU2DeviceStatusEnergy (0.1 kWh)
    m.put(dev + ".12", 1, "int", 1)                                # rPDU2DeviceStatusPowerSupplyAlarm
    ph = APC + ".26.6.3.1"                                         # rPDU2PhaseStatusTable
    for i in range(3):
        row = i + 1
        m.put(ph + ".1", row, "int", row)                          # rPDU2PhaseStatusIndex
        m.put(ph + ".3", row, "int", row)                          # rPDU2PhaseStatusNumber
        m.put(ph + ".4", row, "int", phases[i])                    # rPDU2PhaseStatusLoadState
        m.put(ph + ".5", row, "int", pdu.phase_amperes(i) * 10)    # rPDU2PhaseStatusCurrent (0.1 A)
        m.put(ph + ".6", row, "int", PHASE_VOLTS)                  # rPDU2PhaseStatusVoltage
        m.put(ph + ".7", row, "int", pdu.phase_watts[i] / 10)      # rPDU2PhaseStatusPower (0.01 kW)
    return m.objects


# PDU2-MIB sensor types and the decimal digits this PDU reports for them
INLET_SENSORS = {1: 3, 4: 0, 5: 0, 6: 0, 7: 2, 8: 0, 23: 1}
OUTLET_SENSORS = {1: 3, 4: 0, 5: 0, 8: 0}
ON_OFF = 14


def raritan_pdu2(model: HallModel, name: str) -> Objects:
    pdu = model.pdus[name]
    m = Mib()
    m.system(model, name, "Raritan PX3-5190R 3.5.0.5-41740", "1.3.6.1.4.1.13742.6",
             f"{model.spec.hall.name} rack {pdu.rack}")
    watts = pdu.watts
    amps = watts / (3 * PHASE_VOLTS * POWER_FACTOR)
    inlet = {1: amps, 4: PHASE_VOLTS, 5: watts, 6: watts / POWER_FACTOR, 7: POWER_FACTOR,
             8: pdu.energy_joules / 3600, 23: 50.0}
    m.put(RARITAN + ".3.3.3.1.2", (1, 1), "str", "I1")            # inletLabel
    for kind, digits in INLET_SENSORS.items():
        m.put(RARITAN + ".3.3.4.1.7", (1, 1, kind), "gauge", digits)          # inletSensorDecimalDigits
        m.put(RARITAN + ".5.2.3.1.3", (1, 1, kind), "int", 4)                 # measurementsInletSensorState: normal
        m.put(RARITAN + ".5.2.3.1.4", (1, 1, kind), "gauge", inlet[kind] * 10**digits)  # ...SensorValue
    rack = next(r for r in model.spec.racks if r.name == pdu.rack)
    for i, w in enumerate(outlet_weights(name)):
        outlet = i + 1
        ow = watts * w
        values = {1: ow / (PHASE_VOLTS * POWER_FACTOR), 4: PHASE_VOLTS, 5: ow, 8: pdu.outlet_energy_joules[i] / 3600}
        m.put(RARITAN + ".3.5.3.1.2", (1, outlet), "str", str(outlet))                    # outletLabel
        m.put(RARITAN + ".3.5.3.1.3", (1, outlet), "str", f"{rack.name}-srv{outlet:02d}")  # outletName
        for kind, digits in OUTLET_SENSORS.items():
            m.put(RARITAN + ".3.5.4.1.7", (1, outlet, kind), "gauge", digits)     # outletSensorDecimalDigits
            m.put(RARITAN + ".5.4.3.1.3", (1, outlet, kind), "int", 4)            # measurementsOutletSensorState
            m.put(RARITAN + ".5.4.3.1.4", (1, outlet, kind), "gauge", values[kind] * 10**digits)
        m.put(RARITAN + ".5.4.3.1.3", (1, outlet, ON_OFF), "int", 7)              # onOff sensor state: on
    return m.objects


def ups_mib(model: HallModel, name: str) -> Objects:
    ups = model.ups[name]
    spec = next(u for u in model.spec.ups if u.name == name)
    m = Mib()
    m.system(model, name, "Demo Power 3-phase UPS, RFC 1628 agent", "1.3.6.1.2.1.33",
             f"{model.spec.hall.name} power room, feed {ups.feed}")
    m.put(UPS + ".1.1", 0, "str", "Demo Power")                   # upsIdentManufacturer
    m.put(UPS + ".1.2", 0, "str", f"DP-{int(spec.rated_watts / 1000)}k")  # upsIdentModel
    m.put(UPS + ".1.5", 0, "str", name)                           # upsIdentName
    runtime = ups.runtime_seconds(spec.runtime_at_full_load)
    on_battery = ups.source == "battery"
    status = 4 if ups.charge <= 0 else 3 if on_battery and runtime < 300 else 2
    m.put(UPS + ".2.1", 0, "int", status)                         # upsBatteryStatus
    since = model.t - ups.battery_since if on_battery and ups.battery_since is not None else 0
    m.put(UPS + ".2.2", 0, "int", since)                          # upsSecondsOnBattery
    m.put(UPS + ".2.3", 0, "int", runtime // 60)                  # upsEstimatedMinutesRemaining
    m.put(UPS + ".2.4", 0, "int", ups.charge * 100)               # upsEstimatedChargeRemaining (%)
    volts = 520 + 26 * ups.charge - (12 if on_battery else 0)
    m.put(UPS + ".2.5", 0, "int", volts * 10)                     # upsBatteryVoltage (0.1 V)
    m.put(UPS + ".2.6", 0, "int", ups.output_watts / volts * 10 if on_battery else 0)  # upsBatteryCurrent
    m.put(UPS + ".2.7", 0, "int", 24)                             # upsBatteryTemperature
    m.put(UPS + ".3.1", 0, "c32", ups.line_bads)                  # upsInputLineBads
    m.put(UPS + ".3.2", 0, "int", 3)                              # upsInputNumLines
    live = ups.input_ok
    from_generator = live and ups.feed in model.faults.utility_lost
    input_watts = ups.output_watts / 0.95 if live else 0.0
    for line in (1, 2, 3):
        m.put(UPS + ".3.3.1.1", line, "int", line)                 # upsInputLineIndex
        m.put(UPS + ".3.3.1.2", line, "int", (498 if from_generator else 500) if live else 0)  # upsInputFrequency
        m.put(UPS + ".3.3.1.3", line, "int", PHASE_VOLTS if live else 0)     # upsInputVoltage
        m.put(UPS + ".3.3.1.4", line, "int", input_watts / 3 / PHASE_VOLTS * 10)  # upsInputCurrent (0.1 A)
        m.put(UPS + ".3.3.1.5", line, "int", input_watts / 3)      # upsInputTruePower
    m.put(UPS + ".4.1", 0, "int", {"normal": 3, "battery": 5, "none": 2}[ups.source])  # upsOutputSource
    alive = ups.source != "none"
    m.put(UPS + ".4.2", 0, "int", 500 if alive else 0)             # upsOutputFrequency
    m.put(UPS + ".4.3", 0, "int", 3)                              # upsOutputNumLines
    for line in (1, 2, 3):
        m.put(UPS + ".4.4.1.1", line, "int", line)                 # upsOutputLineIndex
        m.put(UPS + ".4.4.1.2", line, "int", PHASE_VOLTS if alive else 0)    # upsOutputVoltage
        m.put(UPS + ".4.4.1.3", line, "int", ups.output_watts / 3 / PHASE_VOLTS * 10)  # upsOutputCurrent
        m.put(UPS + ".4.4.1.4", line, "int", ups.output_watts / 3)  # upsOutputPower
        m.put(UPS + ".4.4.1.5", line, "int", 100 * ups.output_watts / spec.rated_watts)  # upsOutputPercentLoad
    m.put(UPS + ".5.1", 0, "int", 500)                            # upsBypassFrequency
    m.put(UPS + ".5.2", 0, "int", 3)                              # upsBypassNumLines
    for line in (1, 2, 3):
        m.put(UPS + ".5.3.1.1", line, "int", line)                 # upsBypassLineIndex
        m.put(UPS + ".5.3.1.2", line, "int", PHASE_VOLTS if live else 0)     # upsBypassVoltage
        m.put(UPS + ".5.3.1.3", line, "int", -1)                   # upsBypassCurrent: not measured
        m.put(UPS + ".5.3.1.4", line, "int", -1)                   # upsBypassPower: not measured
    alarms = int(on_battery) + int(status in (3, 4)) + int(not alive)
    m.put(UPS + ".6.1", 0, "gauge", alarms)                       # upsAlarmsPresent
    return m.objects


SENTRY4 = "1.3.6.1.4.1.1718.4.1"
NORMAL, HIGH_WARNING, HIGH_ALARM = 0, 16, 17       # Sentry4-MIB DeviceStatus


def sentry4(model: HallModel, name: str) -> Objects:
    """A ServerTech PRO2 3-phase PDU through Sentry4-MIB: unit A, input cord AA, lines and phases 1-3."""
    pdu = model.pdus[name]
    m = Mib()
    m.system(model, name, "Sentry Switched PDU", "1.3.6.1.4.1.1718.4", f"{model.spec.hall.name} rack {pdu.rack}")
    watts = pdu.watts
    rated = pdu.phase_rated_amperes
    m.put(SENTRY4 + ".2.3.1.1", 1, "int", NORMAL)                                 # st4UnitStatus
    cord = SENTRY4 + ".3.3.1"                                                     # st4InputCordMonitorEntry
    m.put(cord + ".1", (1, 1), "int", 1)                                          # st4InputCordState: on
    m.put(cord + ".2", (1, 1), "int", NORMAL)                                     # st4InputCordStatus
    m.put(cord + ".3", (1, 1), "int", watts)                                      # st4InputCordActivePower (W)
    m.put(cord + ".4", (1, 1), "int", NORMAL)                                     # ...ActivePowerStatus
    m.put(cord + ".5", (1, 1), "int", watts / POWER_FACTOR)                       # ...ApparentPower (VA)
    m.put(cord + ".6", (1, 1), "int", NORMAL)                                     # ...ApparentPowerStatus
    capacity = 3 * rated * PHASE_VOLTS
    m.put(cord + ".7", (1, 1), "int", 1000 * watts / POWER_FACTOR / capacity)     # ...PowerUtilized (0.1 %)
    m.put(cord + ".8", (1, 1), "int", POWER_FACTOR * 100)                         # ...PowerFactor (0.01)
    m.put(cord + ".9", (1, 1), "int", NORMAL)                                     # ...PowerFactorStatus
    m.put(cord + ".10", (1, 1), "int", pdu.energy_joules / 3.6e5)                 # st4InputCordEnergy (0.1 kWh)
    m.put(cord + ".11", (1, 1), "int", 500)                                       # ...Frequency (0.1 Hz)
    m.put(SENTRY4 + ".3.2.1.7", (1, 1), "int", 4000)                              # st4InputCordNominalVoltage (0.1 V)
    m.put(SENTRY4 + ".3.2.1.10", (1, 1), "int", rated)                            # st4InputCordCurrentCapacity (A)
    m.put(SENTRY4 + ".3.2.1.12", (1, 1), "int", capacity)                         # st4InputCordPowerCapacity (VA)
    for i in range(3):
        n = i + 1
        amps = pdu.phase_amperes(i)
        status = HIGH_ALARM if amps >= rated else HIGH_WARNING if amps >= 0.8 * rated else NORMAL
        line = SENTRY4 + ".4.3.1"                                                 # st4LineMonitorEntry
        m.put(line + ".1", (1, 1, n), "int", 1)                                   # st4LineState: on
        m.put(line + ".2", (1, 1, n), "int", NORMAL)                              # st4LineStatus
        m.put(line + ".3", (1, 1, n), "int", amps * 100)                          # st4LineCurrent (0.01 A)
        m.put(line + ".4", (1, 1, n), "int", status)                              # st4LineCurrentStatus
        m.put(line + ".5", (1, 1, n), "int", 1000 * amps / rated)                 # st4LineCurrentUtilized (0.1 %)
        m.put(SENTRY4 + ".4.2.1.6", (1, 1, n), "int", rated)                      # st4LineCurrentCapacity (A)
        phase = SENTRY4 + ".5.3.1"                                                # st4PhaseMonitorEntry
        m.put(phase + ".1", (1, 1, n), "int", 1)                                  # st4PhaseState: on
        m.put(phase + ".2", (1, 1, n), "int", NORMAL)                             # st4PhaseStatus
        m.put(phase + ".3", (1, 1, n), "int", PHASE_VOLTS * 10)                   # st4PhaseVoltage (0.1 V)
        m.put(phase + ".4", (1, 1, n), "int", NORMAL)                             # st4PhaseVoltageStatus
        m.put(phase + ".6", (1, 1, n), "int", amps * 100)                         # st4PhaseCurrent (0.01 A)
        m.put(phase + ".8", (1, 1, n), "int", pdu.phase_watts[i])                 # st4PhaseActivePower (W)
        m.put(phase + ".9", (1, 1, n), "int", pdu.phase_watts[i] / POWER_FACTOR)  # st4PhaseApparentPower (VA)
        m.put(phase + ".10", (1, 1, n), "int", POWER_FACTOR * 100)                # st4PhasePowerFactor (0.01)
        m.put(phase + ".11", (1, 1, n), "int", NORMAL)                            # st4PhasePowerFactorStatus
        m.put(phase + ".13", (1, 1, n), "int", pdu.energy_joules * pdu.phase_watts[i] / max(watts, 1) / 3.6e5)  # st4PhaseEnergy
    return m.objects
