//! Chat for the simulator: what buyers and sellers write, with the signal kinds each
//! message really carries (the ground truth the scanner is measured against). Written
//! for the simulator, apart from the scanner's test corpus.

/// Where in the order's life a message is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Stage {
    PreShipment,
    InTransit,
    Delivered,
    Dispute,
}

/// One message template: `{n}` becomes a number, `{a}` an amount.
pub struct Line {
    pub stage: Stage,
    pub seller: bool,
    pub text: &'static str,
    pub kinds: &'static [&'static str],
}

const fn l(stage: Stage, seller: bool, text: &'static str, kinds: &'static [&'static str]) -> Line {
    Line {
        stage,
        seller,
        text,
        kinds,
    }
}

use Stage::*;

/// What honest people write.
pub const HONEST: &[Line] = &[
    l(PreShipment, false, "hi, is the blue one still in stock? and will it ship this week?", &[]),
    l(PreShipment, true, "Hello friend, yes in stock, we ship in {n} days. Thank you!", &[]),
    l(PreShipment, false, "hola, tienen talla M? gracias", &[]),
    l(PreShipment, true, "Sim, temos. Enviamos em até {n} dias úteis 😊", &[]),
    l(PreShipment, false, "does this watch support whatsapp notifications?", &[]),
    l(PreShipment, true, "yes dear, it shows whatsapp and telegram notifications", &[]),
    l(PreShipment, false, "Bonjour, la livraison en France prend combien de temps ?", &[]),
    l(PreShipment, true, "Hallo, Versand dauert ca. {n} Tage, Zoll ist schon im Preis enthalten.", &[]),
    l(InTransit, true, "your parcel is on the way, tracking updates can take {n} days", &[]),
    l(InTransit, false, "tracking hasnt moved in a week, is it lost?", &[]),
    l(InTransit, true, "customs may take a week sometimes, please wait a little", &[]),
    l(InTransit, true, "посылка в пути, трек обновится через {n} дня", &[]),
    l(InTransit, true, "please do not confirm receipt until you have the item in hand", &[]),
    l(Delivered, true, "Did you get it? If all is ok please confirm receipt, thank you!", &[]),
    l(Delivered, true, "if you like the product, a review helps our small shop, thanks", &[]),
    l(Delivered, false, "recibido, todo perfecto, muchas gracias!", &[]),
    l(Dispute, true, "sorry for the problem, we accept the refund, please keep the dispute open until you get it", &[]),
    l(Dispute, false, "I uploaded photos of the damage in the dispute", &[]),
];

/// What scammers write.
pub const SCAM: &[Line] = &[
    l(PreShipment, true, "friend, pay me by bank transfer directly and get {n}% discount, no platform fee", &["offsite_payment"]),
    l(PreShipment, true, "add me on W h a t s A p p +34 612 345 678 for better price", &["offsite_contact"]),
    l(PreShipment, true, "mejor precio si pagas por western union, escríbeme al wh4tsapp", &["offsite_payment", "offsite_contact"]),
    l(PreShipment, true, "пиши в телегу @shop_deals88, скидка {n}% при оплате на карту", &["offsite_contact", "offsite_payment"]),
    l(PreShipment, true, "paga no pix direto comigo e te dou {n}% de desconto", &["offsite_payment"]),
    l(InTransit, true, "your parcel is held at customs, you must pay {a} USD customs fee to release it today or it returns", &["extra_charge", "urgency_pressure"]),
    l(InTransit, true, "please confirm receipt now, the system needs it before the parcel can go, then I refund shipping", &["confirm_receipt_pressure"]),
    l(InTransit, true, "Tu paquete tiene una tasa pendiente de {a} EUR, paga aquí hxxps://correos-aduana-pago[.]com antes de 24h", &["extra_charge", "phishing_link", "urgency_pressure"]),
    l(InTransit, true, "bitte Erhalt jetzt bestätigen, sonst kann ich nicht versenden", &["confirm_receipt_pressure"]),
    l(Delivered, true, "give 5 stars and I send you {n} dollars on paypal", &["review_manipulation", "offsite_payment"]),
    l(Delivered, true, "AliExpress Support: your refund is ready, log in at https://aliexpress-refund.com/claim", &["phishing_link", "platform_impersonation"]),
    l(Dispute, true, "close the dispute and I refund you directly, promise 100%", &["dispute_closure_pressure"]),
    l(Dispute, true, "cierra la disputa y te mando otro nuevo, gracias amigo", &["dispute_closure_pressure"]),
    l(Dispute, true, "закрой спор, верну деньги на карту сегодня", &["dispute_closure_pressure", "offsite_payment"]),
    l(Dispute, true, "fermez le litige svp et je vous rembourse par virement", &["dispute_closure_pressure", "offsite_payment"]),
];

/// The template with `{n}` and `{a}` filled in from `n`.
pub fn fill(text: &str, n: u32) -> String {
    text.replace("{n}", &(n % 20 + 3).to_string())
        .replace("{a}", &format!("{}.{:02}", n % 40 + 5, n % 100))
}
