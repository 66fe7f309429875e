"""The Availability and SLO dashboard (dashboards/en/availability.json, dashboards/fr/availability.json)."""

from __future__ import annotations

from dashboards.kit import T, dashboard, datasource_var, panel, q, query_var, row

DASHBOARD = dashboard(
    'tierwatch-availability',
    T('tierwatch / Availability and SLO', 'tierwatch / Disponibilité et SLO'),
    T('Per-service availability, error budget and burn rates against the 99.982 % objective.',
      "Disponibilité, budget d'erreur et taux de consommation par service, face à l'objectif de 99,982 %."),
    ['tierwatch', 'availability', 'slo'],
    [
        datasource_var(),
        query_var('service', 'Service', 'label_values(tierwatch_service_up_seconds_total, service)'),
        {
            'name': 'window',
            'label': T('Window', 'Fenêtre'),
            'type': 'custom',
            'query': '1h,1d,7d,30d,365d,month,year',
            'multi': False,
            'includeAll': False,
            'current': {'text': '30d', 'value': '30d'},
            'hide': 0,
            'options': [
                {'text': '1h', 'value': '1h', 'selected': False},
                {'text': '1d', 'value': '1d', 'selected': False},
                {'text': '7d', 'value': '7d', 'selected': False},
                {'text': '30d', 'value': '30d', 'selected': True},
                {'text': '365d', 'value': '365d', 'selected': False},
                {'text': 'month', 'value': 'month', 'selected': False},
                {'text': 'year', 'value': 'year', 'selected': False},
            ],
        },
        query_var('group', T('Group', 'Groupe'), 'label_values(tierwatch_group_state, group)'),
    ],
    [
        row(T('Window $window', 'Fenêtre $window'), 0),
        panel('bargauge',
          T('Availability', 'Disponibilité'),
          (0, 1, 8, 8),
          [q('tierwatch_service_availability_ratio{service=~"$service", window="$window"}', '{{service}}', instant=True)],
          unit='percentunit',
          description=T('up / (up + down) in the window; unknown and maintenance time are left out.',
          'disponible / (disponible + en panne) sur la fenêtre ; le temps inconnu et le temps de maintenance sont exclus.'),
          extra={
            'fieldConfig': {
                'defaults': {
                    'thresholds': {
                        'mode': 'absolute',
                        'steps': [{'color': 'red', 'value': None}, {'color': 'green', 'value': 0.99982}],
                    },
                    'color': {'mode': 'thresholds'},
                    'min': 0.999,
                    'max': 1,
                },
            },
        }),
        panel('bargauge',
          T('Error budget remaining', "Budget d'erreur restant"),
          (8, 1, 8, 8),
          [q('tierwatch_service_error_budget_remaining_seconds{service=~"$service", window="$window"}', '{{service}}', instant=True)],
          unit='s',
          extra={
            'fieldConfig': {
                'defaults': {
                    'thresholds': {
                        'mode': 'absolute',
                        'steps': [
                            {'color': 'red', 'value': None},
                            {'color': 'orange', 'value': 60},
                            {'color': 'green', 'value': 180},
                        ],
                    },
                    'color': {'mode': 'thresholds'},
                },
            },
        }),
        panel('bargauge',
          T('Burn rate', 'Taux de consommation'),
          (16, 1, 8, 8),
          [q('tierwatch_service_error_budget_burn_rate{service=~"$service", window="$window"}', '{{service}}', instant=True)],
          unit='none',
          description=T('1 = spending the budget exactly as fast as it accrues.',
          '1 = le budget est consommé exactement au rythme où il est accordé.'),
          extra={
            'fieldConfig': {
                'defaults': {
                    'thresholds': {
                        'mode': 'absolute',
                        'steps': [
                            {'color': 'green', 'value': None},
                            {'color': 'orange', 'value': 1},
                            {'color': 'red', 'value': 6},
                        ],
                    },
                    'color': {'mode': 'thresholds'},
                    'min': 0,
                },
            },
        }),
        panel('table',
          T('Unplanned downtime per service', 'Indisponibilité non planifiée par service'),
          (0, 9, 24, 8),
          [q('tierwatch_service_downtime_seconds{service=~"$service", window="$window", kind="unplanned"}', instant=True, fmt='table')],
          unit='s',
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
                            'window': True,
                            'kind': True,
                        },
                        'renameByName': {'Value': T('Downtime', 'Indisponibilité')},
                    },
                },
            ],
        }),
        row(T('Burn rate alerts (multi-window)', 'Alertes de consommation (multi-fenêtres)'), 17),
        panel('timeseries',
          T('Error ratio, fast windows (page at 14.4× budget on both)',
  "Taux d'erreur, fenêtres courtes (astreinte à 14,4× le budget sur les deux)"),
          (0, 18, 12, 8),
          [q('tierwatch:service_error_ratio:rate1h{service=~"$service"}', '{{service}} 1h'), q('tierwatch:service_error_ratio:rate5m{service=~"$service"}', '{{service}} 5m'), q('14.4 * max(tierwatch:service_error_budget:ratio{service=~"$service"})', T('page threshold', "seuil d'astreinte"))],
          unit='percentunit'),
        panel('timeseries',
          T('Error ratio, slow windows (page at 6×, ticket at 1×)',
  "Taux d'erreur, fenêtres longues (astreinte à 6×, ticket à 1×)"),
          (12, 18, 12, 8),
          [q('tierwatch:service_error_ratio:rate6h{service=~"$service"}', '{{service}} 6h'), q('tierwatch:service_error_ratio:rate30m{service=~"$service"}', '{{service}} 30m'), q('tierwatch:service_error_ratio:rate3d{service=~"$service"}', '{{service}} 3d'), q('6 * max(tierwatch:service_error_budget:ratio{service=~"$service"})', T('6× threshold', 'seuil 6×'))],
          unit='percentunit'),
        row(T('State history', 'Historique des états'), 26),
        panel('state-timeline',
          T('Service state', 'État du service'),
          (0, 27, 24, 8),
          [q('max by (service, state) (tierwatch_service_state{service=~"$service"}) == 1', '{{service}}: {{state}}')],
          extra={'fieldConfig': {'defaults': {'custom': {'fillOpacity': 80, 'lineWidth': 0}}}}),
        panel('timeseries',
          T('Down, unknown and maintenance time in the window',
  'Temps en panne, inconnu et en maintenance sur la fenêtre'),
          (0, 35, 12, 8),
          [q('tierwatch_service_downtime_seconds{service=~"$service", window="$window", kind="unplanned"}', T('{{service}} down', '{{service}} en panne')), q('tierwatch_service_window_unknown_seconds{service=~"$service", window="$window"}', T('{{service}} unknown', '{{service}} inconnu')), q('tierwatch_service_window_maintenance_seconds{service=~"$service", window="$window"}', T('{{service}} maintenance', '{{service}} en maintenance'))],
          unit='s'),
        panel('bargauge',
          T('Redundancy availability', 'Disponibilité de la redondance'),
          (12, 35, 12, 8),
          [q('tierwatch_group_redundancy_ratio{group=~"$group", window="$window"}', '{{group}}', instant=True)],
          unit='percentunit',
          description=T('Share of the window each group had full redundancy (ok, not degraded).',
          'Part de la fenêtre pendant laquelle chaque groupe avait sa redondance complète (nominal, non dégradé).'),
          extra={
            'fieldConfig': {
                'defaults': {
                    'thresholds': {
                        'mode': 'absolute',
                        'steps': [{'color': 'orange', 'value': None}, {'color': 'green', 'value': 0.999}],
                    },
                    'color': {'mode': 'thresholds'},
                    'min': 0.99,
                    'max': 1,
                },
            },
        }),
        panel('timeseries',
          T('Downtime accrued per hour', 'Indisponibilité cumulée par heure'),
          (0, 43, 24, 7),
          [q('increase(tierwatch_service_down_seconds_total{service=~"$service"}[1h])', '{{service}}')],
          unit='s'),
    ],
    time_from='now-7d',
)
