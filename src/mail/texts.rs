//! The messages' words: Japanese, short, with the link to act on and a line saying who sent
//! them. Plain text (a city's mail client may show nothing else).

/// The last lines of every message.
fn signature(city: &str) -> String {
    format!(
        "\n-- \n{city} 組織目標の管理（Mokuhyo）から自動で送信しています。\nこのメールには返信できません。"
    )
}

/// A review step taken on a department's sheet: (subject, body).
pub struct Review<'a> {
    pub city: &'a str,
    pub year_label: &'a str,
    pub department: &'a str,
    /// 「組織目標」 or 「実績・成果」.
    pub sheet: &'a str,
    pub action: &'a str,
    pub actor: &'a str,
    pub comment: Option<&'a str>,
    pub url: &'a str,
}

impl Review<'_> {
    pub fn compose(&self) -> (String, String) {
        let what = format!("{}の{}（{}）", self.department, self.sheet, self.year_label);
        let (subject, lead, ask) = match self.action {
            "submit" => (
                format!("【提出】{what}"),
                format!("{what}が提出されました（提出：{}）。", self.actor),
                "内容を確認し、承認するか、コメントを付けて差し戻してください。",
            ),
            "return" => (
                format!("【差し戻し】{what}"),
                format!("{what}が差し戻されました（差し戻し：{}）。", self.actor),
                "コメントを確認して修正し、もう一度提出してください。",
            ),
            _ => (
                format!("【承認】{what}"),
                format!("{what}が承認されました（承認：{}）。", self.actor),
                "公表の準備ができました。内容を確認し、公表してください。",
            ),
        };
        let comment = match self.comment {
            Some(c) if !c.trim().is_empty() => format!("\nコメント：\n{}\n", c.trim()),
            _ => String::new(),
        };
        let body = format!(
            "{lead}\n{comment}\n{ask}\n{}\n{}",
            self.url,
            signature(self.city)
        );
        (subject, body)
    }
}

/// The one reminder before a deadline: (subject, body).
pub fn reminder(
    city: &str,
    year_label: &str,
    stage: &str,
    due: &str,
    tasks: &[(String, String)],
) -> (String, String) {
    let subject = format!("【期限のお知らせ】{year_label}の{stage}は{due}までです");
    let mut body =
        format!("{year_label}の{stage}の期限は{due}です。\n次の作業がまだ終わっていません。\n\n");
    for (what, url) in tasks {
        body.push_str(&format!("・{what}\n  {url}\n"));
    }
    body.push_str(&signature(city));
    (subject, body)
}

/// The message the 「テストメールを送信」 button sends.
pub fn test(city: &str, host: &str) -> (String, String) {
    (
        "【テスト】組織目標の管理からのメール送信の確認".to_owned(),
        format!(
            "このメールは、{city}の組織目標の管理（Mokuhyo）のメール送信設定を確かめるために送信しました。\n送信に使ったメールサーバー：{host}\n{}",
            signature(city)
        ),
    )
}

/// A one-time link for a new account: (subject, body).
pub fn welcome(city: &str, name: &str, username: &str, url: &str, days: i64) -> (String, String) {
    let subject = format!("【{city}】組織目標の管理（Mokuhyo）のアカウント");
    let body = format!(
        "{name} 様\n\n組織目標の管理（Mokuhyo）のアカウントを作成しました。\nユーザー名：{username}\n\n\
         次のリンクを開き、ご自分のパスワードを設定してください（{days}日間、1回だけ使えます）。\n{url}\n{}",
        signature(city)
    );
    (subject, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_return_carries_its_comment_and_link() {
        let (subject, body) = Review {
            city: "刈谷市",
            year_label: "令和8年度",
            department: "企画財政部",
            sheet: "組織目標",
            action: "return",
            actor: "企画財政部長",
            comment: Some("指標を数値にしてください"),
            url: "https://mokuhyo.example.jp/staff/departments/3#workflow",
        }
        .compose();
        assert_eq!(subject, "【差し戻し】企画財政部の組織目標（令和8年度）");
        assert!(body.contains("コメント：\n指標を数値にしてください"));
        assert!(body.contains("https://mokuhyo.example.jp/staff/departments/3#workflow"));
        assert!(body.contains("刈谷市 組織目標の管理"));
    }
}
