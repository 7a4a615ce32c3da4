-- wrk script: POST a seed-format article to /api/analyze.
wrk.method = "POST"
wrk.headers["Content-Type"] = "text/plain; charset=utf-8"
wrk.body = [[date 2025-04-08 Dock workers walk out as Port Selden sale looms

By Staff

Harbour Minister Maria Olsen told reporters in Port Selden on Tuesday that the Coastal Alliance would resist what she called a treacherous scheme to sell the northern docks.

"We will not trade our harbours for promises," Olsen said, standing beside dock workers who had walked out last week. The union leader Tomasz Orsted said the strike would continue until the board published its accounts.

The board is expected to vote next month. Shipping firms warned that a long strike could empty the port for the whole season.
]]
