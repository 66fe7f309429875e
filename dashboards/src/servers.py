"""The Servers dashboard (dashboards/en/servers.json, dashboards/fr/servers.json)."""

from __future__ import annotations

from dashboards.kit import T, dashboard, datasource_var, panel, q, query_var, row

DASHBOARD = dashboard(
    'tierwatch-servers',
    T('tierwatch / Servers', 'tierwatch / Serveurs'),
    T('Host metrics read by the agent (psutil) on each server.',
      "Métriques système lues par l'agent (psutil) sur chaque serveur."),
    ['tierwatch', 'servers'],
    [
        datasource_var(),
        query_var('target', T('Server', 'Serveur'), 'label_values(tierwatch_host_cpus, target)'),
    ],
    [
        row(T('CPU and memory', 'Processeur et mémoire'), 0),
        panel('timeseries',
          T('CPU busy', 'Processeur occupé'),
          (0, 1, 12, 8),
          [q('1 - sum by (target) (rate(tierwatch_host_cpu_seconds_total{mode="idle", target=~"$target"}[$__rate_interval])) / on (target) max by (target) (tierwatch_host_cpus{target=~"$target"})', '{{target}}')],
          unit='percentunit',
          extra={'fieldConfig': {'defaults': {'min': 0, 'max': 1}}}),
        panel('timeseries',
          T('Load (1 min) per CPU', 'Charge (1 min) par processeur'),
          (12, 1, 12, 8),
          [q('max by (target) (tierwatch_host_load1{target=~"$target"}) / on (target) max by (target) (tierwatch_host_cpus{target=~"$target"})', '{{target}}')],
          unit='none',
          extra={
            'fieldConfig': {
                'defaults': {
                    'thresholds': {
                        'mode': 'absolute',
                        'steps': [
                            {'color': 'green', 'value': None},
                            {'color': 'orange', 'value': 1},
                            {'color': 'red', 'value': 2},
                        ],
                    },
                    'color': {'mode': 'thresholds'},
                    'custom': {'thresholdsStyle': {'mode': 'line'}},
                },
            },
        }),
        panel('timeseries',
          T('Memory used', 'Mémoire utilisée'),
          (0, 9, 12, 8),
          [q('tierwatch_host_memory_used_ratio{target=~"$target"}', '{{target}}')],
          unit='percentunit',
          extra={
            'fieldConfig': {
                'defaults': {
                    'thresholds': {
                        'mode': 'absolute',
                        'steps': [{'color': 'green', 'value': None}, {'color': 'orange', 'value': 0.9}],
                    },
                    'color': {'mode': 'thresholds'},
                    'min': 0,
                    'max': 1,
                    'custom': {'thresholdsStyle': {'mode': 'line'}},
                },
            },
        }),
        panel('timeseries',
          T('Swap used', "Mémoire d'échange utilisée"),
          (12, 9, 12, 8),
          [q('tierwatch_host_swap_used_bytes{target=~"$target"}', '{{target}}')],
          unit='bytes'),
        row(T('Storage', 'Stockage'), 17),
        panel('bargauge',
          T('Filesystem used', 'Systèmes de fichiers utilisés'),
          (0, 18, 12, 9),
          [q('tierwatch_host_filesystem_used_ratio{target=~"$target"}', '{{target}} {{mountpoint}}', instant=True)],
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
                },
            },
        }),
        panel('timeseries',
          T('Disk throughput', 'Débit disque'),
          (12, 18, 12, 9),
          [q('sum by (target, device) (rate(tierwatch_host_disk_read_bytes_total{target=~"$target"}[$__rate_interval]))', T('{{target}} {{device}} read', '{{target}} {{device}} lecture')), q('-sum by (target, device) (rate(tierwatch_host_disk_written_bytes_total{target=~"$target"}[$__rate_interval]))', T('{{target}} {{device}} write', '{{target}} {{device}} écriture'))],
          unit='Bps'),
        row(T('Network and temperatures', 'Réseau et températures'), 27),
        panel('timeseries',
          T('Network traffic', 'Trafic réseau'),
          (0, 28, 12, 8),
          [q('rate(tierwatch_host_network_receive_bytes_total{target=~"$target"}[$__rate_interval])', T('{{target}} {{interface}} rx', '{{target}} {{interface}} reçu')), q('-rate(tierwatch_host_network_transmit_bytes_total{target=~"$target"}[$__rate_interval])', T('{{target}} {{interface}} tx', '{{target}} {{interface}} émis'))],
          unit='Bps'),
        panel('timeseries',
          T('Network errors and drops', 'Erreurs et pertes réseau'),
          (12, 28, 12, 8),
          [q('rate(tierwatch_host_network_receive_errors_total{target=~"$target"}[$__rate_interval]) > 0', T('{{target}} {{interface}} receive errors',
  '{{target}} {{interface}} erreurs en réception')), q('rate(tierwatch_host_network_transmit_errors_total{target=~"$target"}[$__rate_interval]) > 0', T('{{target}} {{interface}} transmit errors',
  '{{target}} {{interface}} erreurs en émission')), q('rate(tierwatch_host_network_receive_drop_total{target=~"$target"}[$__rate_interval]) > 0', T('{{target}} {{interface}} receive drop',
  '{{target}} {{interface}} pertes en réception')), q('rate(tierwatch_host_network_transmit_drop_total{target=~"$target"}[$__rate_interval]) > 0', T('{{target}} {{interface}} transmit drop',
  '{{target}} {{interface}} pertes en émission'))],
          unit='pps'),
        panel('timeseries',
          T('Hardware temperatures', 'Températures matérielles'),
          (0, 36, 12, 8),
          [q('tierwatch_host_temperature_celsius{target=~"$target"}', '{{target}} {{chip}} {{sensor}}')],
          unit='celsius'),
        panel('timeseries',
          T('Uptime', 'Durée de fonctionnement'),
          (12, 36, 12, 8),
          [q('time() - tierwatch_host_boot_time_seconds{target=~"$target"}', '{{target}}')],
          unit='s'),
    ],
)
