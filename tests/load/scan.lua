-- wrk script: every request scans one chat message through POST /v1/scan/message,
-- cycling through scam and clean messages of 60 to 300 bytes in six languages.
-- A platform key may make 10,000 requests a second; past that the answers are 429,
-- so KEYS may list several keys (comma-separated), as several backend instances
-- would have. Usage:
--   KEYS=mgk_...,mgk_... wrk -t2 -c8 -d10s --latency -s tests/load/scan.lua http://127.0.0.1:8080
local messages = {
  '{"text":"hi friend, for better price add me on whatsapp +86 138 0013 8000 and I give discount","sender":"seller","context":"pre_order"}',
  '{"text":"Hello, is the blue one still in stock? and will it ship this week to Germany please?","sender":"buyer","context":"pre_order"}',
  '{"text":"your parcel is held at customs, you must pay 25 USD customs fee to release it today or it returns","sender":"seller","context":"in_transit"}',
  '{"text":"customs may take a week sometimes, please wait a little, tracking updates can be slow","sender":"seller","context":"in_transit"}',
  '{"text":"cierra la disputa y te mando otro nuevo, gracias amigo, te devuelvo el dinero por paypal","sender":"seller","context":"dispute_open"}',
  '{"text":"Olá, o relógio mostra notificações do WhatsApp e do Telegram? Obrigado pela resposta!","sender":"buyer","context":"pre_order"}',
  '{"text":"AliExpress Support: your refund is ready, log in at hxxps://aliexpress-refund[.]com/claim within 24h","sender":"unknown","context":"delivered"}',
  '{"text":"Did you get it? If all is ok please confirm receipt, thank you very much my friend!","sender":"seller","context":"delivered"}',
  '{"text":"пиши в телегу @shop_deals88, скидка 10% при оплате на карту, отправлю сегодня","sender":"seller","context":"pre_order"}',
  '{"text":"Hallo, Versand dauert ca. 12 Tage, Zoll ist schon im Preis enthalten. Vielen Dank!","sender":"seller","context":"pre_order"}',
  '{"text":"donne moi le numéro de ta carte et le cryptogramme, je fais le paiement pour toi","sender":"seller","context":"pre_order"}',
  '{"text":"W h a t s A p p me for wholesale, pay by western union and save the platform fee","sender":"seller","context":"pre_order"}',
}
local counter = 0
local keys = {}
for k in string.gmatch(os.getenv("KEYS") or os.getenv("KEY") or "", "[^,]+") do
  table.insert(keys, k)
end

function request()
  counter = counter + 1
  return wrk.format("POST", "/v1/scan/message", {
    ["Authorization"] = "Bearer " .. keys[(counter % #keys) + 1],
    ["Content-Type"] = "application/json",
  }, messages[(counter % #messages) + 1])
end

local failures = 0
function response(status, headers, body)
  if status ~= 200 then
    failures = failures + 1
    if failures <= 3 then
      io.stderr:write("status " .. status .. ": " .. body .. "\n")
    end
  end
end
