"""The Power dashboard (dashboards/en/power.json, dashboards/fr/power.json)."""

from __future__ import annotations

from dashboards.kit import T, dashboard, datasource_var, panel, q, query_var, row

DASHBOARD = dashboard(
    'tierwatch-power',
    T('tierwatch / Power', 'tierwatch / Énergie'),
    T('PDU phases and outlets against breaker ratings, UPS state and battery.',
      'Phases et prises des PDU face au calibre des disjoncteurs, état des onduleurs et batteries.'),
    ['tierwatch', 'power'],
    [
        datasource_var(),
        query_var('site', 'Site', 'label_values(tierwatch:target_placement:info, site)'),
        query_var('room', T('Room', 'Salle'), 'label_values(tierwatch:target_placement:info{site=~"$site"}, room)'),
        query_var('rack', T('Rack', 'Baie'), 'label_values(tierwatch:pdu_phase_current:amperes{site=~"$site", room=~"$room"}, rack)'),
        query_var('pdu', 'PDU', 'label_values(tierwatch:pdu_phase_current:amperes{site=~"$site", room=~"$room", rack=~"$rack"}, target)'),
    ],
    [
        row(T('PDU phases', 'Phases des PDU'), 0),
        panel('bargauge',
          T('Phase load vs breaker rating', 'Charge de phase / calibre du disjoncteur'),
          (0, 1, 12, 9),
          [q('tierwatch:pdu_phase_load:ratio{site=~"$site", room=~"$room", rack=~"$rack"}', '{{target}} L{{phase}}', instant=True)],
          unit='percentunit',
          description=T("Phase current / breaker rating (the PDU's own rating when exported, 32 A otherwise). Ticket above 80 %, page above 90 %.",
          "Courant de phase / calibre du disjoncteur (calibre annoncé par le PDU s'il est exporté, 32 A sinon). Ticket au-delà de 80 %, astreinte au-delà de 90 %."),
          extra={
            'fieldConfig': {
                'defaults': {
                    'thresholds': {
                        'mode': 'absolute',
                        'steps': [
                            {'color': 'green', 'value': None},
                            {'color': 'orange', 'value': 0.8},
                            {'color': 'red', 'value': 0.9},
                        ],
                    },
                    'color': {'mode': 'thresholds'},
                    'min': 0,
                    'max': 1,
                },
            },
        }),
        panel('bargauge',
          T('Rack fail-over load (both feeds on one)',
  'Charge de bascule par baie (les deux voies sur une seule)'),
          (12, 1, 12, 9),
          [q('rack_phase:tierwatch_pdu_failover_load:ratio{site=~"$site", room=~"$room", rack=~"$rack"}', '{{rack}} L{{phase}}', instant=True)],
          unit='percentunit',
          description=T("Sum over the rack's feeds per phase / one feed's rating: what one feed would carry if the other failed.",
          "Somme des voies de la baie par phase / calibre d'une voie : ce que porterait une voie si l'autre tombait."),
          extra={
            'fieldConfig': {
                'defaults': {
                    'thresholds': {
                        'mode': 'absolute',
                        'steps': [
                            {'color': 'green', 'value': None},
                            {'color': 'orange', 'value': 0.8},
                            {'color': 'red', 'value': 0.9},
                        ],
                    },
                    'color': {'mode': 'thresholds'},
                    'min': 0,
                    'max': 1.2,
                },
            },
        }),
        panel('timeseries',
          T('Phase current', 'Courant de phase'),
          (0, 10, 12, 8),
          [q('tierwatch:pdu_phase_current:amperes{site=~"$site", room=~"$room", rack=~"$rack"}', '{{target}} L{{phase}}')],
          unit='amp'),
        panel('timeseries',
          T('PDU power', 'Puissance des PDU'),
          (12, 10, 12, 8),
          [q('tierwatch_pdu_power_watts{site=~"$site", room=~"$room", rack=~"$rack"} or tierwatch_pdu_inlet_power_watts{site=~"$site", room=~"$room", rack=~"$rack"}', '{{target}}')],
          unit='watt'),
        panel('timeseries',
          T('Phase voltage', 'Tension de phase'),
          (0, 18, 12, 8),
          [q('tierwatch_pdu_phase_voltage_volts{site=~"$site", room=~"$room", rack=~"$rack"} or tierwatch_pdu_inlet_voltage_volts{site=~"$site", room=~"$room", rack=~"$rack"}', '{{target}} {{phase}}{{inlet}}')],
          unit='volt'),
        panel('table',
          T('PDU load state', 'État de charge des PDU'),
          (12, 18, 12, 8),
          [q('(tierwatch_pdu_phase_load_status_state{site=~"$site", room=~"$room", rack=~"$rack"} == 1) or (tierwatch_pdu_load_status_state{site=~"$site", room=~"$room", rack=~"$rack"} == 1)', instant=True, fmt='table')],
          extra={
            'transformations': [
                {
                    'id': 'organize',
                    'options': {
                        'excludeByName': {
                            'Time': True,
                            '__name__': True,
                            'job': True,
                            'instance': True,
                            'Value': True,
                            'agent': True,
                            'device_class': True,
                            'phase_index': True,
                        },
                        'renameByName': {'Value': T('Value', 'Valeur')},
                    },
                },
            ],
        }),
        row(T('Outlets', 'Prises'), 26),
        panel('timeseries',
          T('Outlet power', 'Puissance par prise'),
          (0, 27, 12, 9),
          [q('tierwatch_pdu_outlet_power_watts{site=~"$site", room=~"$room", rack=~"$rack", target=~"$pdu"}', '{{target}} {{outlet_name}}')],
          unit='watt'),
        panel('table',
          T('Outlet switch state', 'État de commutation des prises'),
          (12, 27, 12, 9),
          [q('(tierwatch_pdu_outlet_power_state{target=~"$pdu"} == 1) or (tierwatch_pdu_outlet_control_state{target=~"$pdu"} == 1)', instant=True, fmt='table')],
          extra={
            'transformations': [
                {
                    'id': 'organize',
                    'options': {
                        'excludeByName': {
                            'Time': True,
                            '__name__': True,
                            'job': True,
                            'instance': True,
                            'Value': True,
                            'agent': True,
                            'device_class': True,
                            'site': True,
                            'room': True,
                            'row': True,
                            'rack': True,
                            'role': True,
                        },
                        'renameByName': {'Value': T('Value', 'Valeur')},
                    },
                },
            ],
        }),
        row(T('UPS', 'Onduleurs'), 36),
        panel('table',
          T('UPS output source', 'Source de sortie des onduleurs'),
          (0, 37, 8, 7),
          [q('(tierwatch_ups_output_source_state{site=~"$site", room=~"$room"} == 1) or (tierwatch_ups_output_status_state{site=~"$site", room=~"$room"} == 1)', instant=True, fmt='table')],
          extra={
            'transformations': [
                {
                    'id': 'organize',
                    'options': {
                        'excludeByName': {
                            'Time': True,
                            '__name__': True,
                            'job': True,
                            'instance': True,
                            'Value': True,
                            'agent': True,
                            'device_class': True,
                            'row': True,
                            'rack': True,
                        },
                        'renameByName': {'Value': T('Value', 'Valeur')},
                    },
                },
            ],
        }),
        panel('bargauge',
          T('Battery charge', 'Charge batterie'),
          (8, 37, 8, 7),
          [q('tierwatch_ups_battery_charge_ratio{site=~"$site", room=~"$room"}', '{{target}}', instant=True)],
          unit='percentunit',
          extra={
            'fieldConfig': {
                'defaults': {
                    'thresholds': {
                        'mode': 'absolute',
                        'steps': [
                            {'color': 'red', 'value': None},
                            {'color': 'orange', 'value': 0.5},
                            {'color': 'green', 'value': 0.9},
                        ],
                    },
                    'color': {'mode': 'thresholds'},
                    'min': 0,
                    'max': 1,
                },
            },
        }),
        panel('bargauge',
          T('Battery runtime', 'Autonomie batterie'),
          (16, 37, 8, 7),
          [q('tierwatch_ups_battery_runtime_remaining_seconds{site=~"$site", room=~"$room"}', '{{target}}', instant=True)],
          unit='s',
          extra={
            'fieldConfig': {
                'defaults': {
                    'thresholds': {
                        'mode': 'absolute',
                        'steps': [
                            {'color': 'red', 'value': None},
                            {'color': 'orange', 'value': 600},
                            {'color': 'green', 'value': 1200},
                        ],
                    },
                    'color': {'mode': 'thresholds'},
                    'min': 0,
                },
            },
        }),
        panel('timeseries',
          T('UPS output load', 'Charge de sortie des onduleurs'),
          (0, 44, 12, 8),
          [q('tierwatch_ups_output_load_ratio{site=~"$site", room=~"$room"}', '{{target}} {{line}}')],
          unit='percentunit',
          extra={
            'fieldConfig': {
                'defaults': {
                    'thresholds': {
                        'mode': 'absolute',
                        'steps': [
                            {'color': 'green', 'value': None},
                            {'color': 'orange', 'value': 0.8},
                            {'color': 'red', 'value': 0.9},
                        ],
                    },
                    'color': {'mode': 'thresholds'},
                    'min': 0,
                    'max': 1,
                    'custom': {'thresholdsStyle': {'mode': 'line'}},
                },
            },
        }),
        panel('timeseries',
          T('UPS input and output voltage', "Tension d'entrée et de sortie des onduleurs"),
          (12, 44, 12, 8),
          [q('tierwatch_ups_input_voltage_volts{site=~"$site", room=~"$room"}', T('{{target}} in {{line}}', '{{target}} entrée {{line}}')), q('tierwatch_ups_output_voltage_volts{site=~"$site", room=~"$room"}', T('{{target}} out {{line}}', '{{target}} sortie {{line}}'))],
          unit='volt'),
    ],
)
