# Loads our benchmark dataset (bench/peers/export.py's JSON) into Redmine, through
# `rails runner` (bench/peers/redmine.sh runner): the configuration rows through the models,
# the 10,000 issues, their custom values, journals and journal details with insert_all
# (timestamps, lft/rgt and root_id set here). Then the settings the benchmark needs: the REST API
# on, Chinese as the language, the admin's password and API key.
#
#   rails runner redmine_load.rb DATASET.json PASSWORD
#
# Keeps what it loaded before when the dataset's fingerprint is the same (the project's
# description holds it). Prints one line "RESULT {json}" with the ids the benchmark requests.
require 'json'
require 'time'

path, password = ARGV
IDENTIFIER = 'chengyi'
FIELD_NAMES = { 'code' => '编号', 'health' => '健康度', 'chengdu' => '成都牵头单位',
                'yibin' => '宜宾牵头单位' }.freeze
started = Process.clock_gettime(Process::CLOCK_MONOTONIC)
data = JSON.parse(File.read(path))
marker = "bench:#{data['fingerprint']}"
now = Time.now.utc

def utc(text)
  text && Time.iso8601(text).utc
end

admin = User.find_by!(login: 'admin')
admin.password = password
admin.password_confirmation = password
admin.must_change_passwd = false
admin.language = 'zh'
admin.save!
Setting.rest_api_enabled = '1'
Setting.default_language = 'zh'
Setting.per_page_options = '25,50,100'

loaded = false
project = Project.find_by(identifier: IDENTIFIER)
unless project && project.description == marker
  loaded = true
  connection = ActiveRecord::Base.connection
  # One transaction: a load that fails leaves the previous state, never half a dataset.
  ActiveRecord::Base.transaction do
    connection.execute(<<~SQL)
      TRUNCATE journal_details, journals, custom_values, issues, issue_categories,
        custom_fields_trackers, custom_fields_projects, custom_fields_roles, custom_fields,
        projects_trackers, enabled_modules, members, member_roles, watchers, issue_relations,
        projects, trackers, issue_statuses, enumerations RESTART IDENTITY
    SQL
    old_users = User.where(type: 'User').where.not(login: 'admin').pluck(:id)
    EmailAddress.where(user_id: old_users).delete_all
    Token.where(user_id: old_users).delete_all
    UserPreference.where(user_id: old_users).delete_all
    User.where(id: old_users).delete_all

    statuses = {}
    data['statuses'].each_with_index do |s, i|
      closed = %w[completed cancelled].include?(s['key'])
      statuses[s['key']] = IssueStatus.create!(name: s['name'], is_closed: closed, position: i + 1).id
    end
    tracker = Tracker.create!(name: '合作事项', default_status_id: statuses['not_started'])
    priority = IssuePriority.create!(name: '普通', is_default: true, active: true)
    fields = FIELD_NAMES.to_h do |key, name|
      list = key == 'health' ? { field_format: 'list',
                                 possible_values: data['healths'].map { |h| h['name'] } } : {}
      field = IssueCustomField.create!(name: name, field_format: 'string', is_for_all: true,
                                       is_filter: true, searchable: key == 'code',
                                       trackers: [tracker], **list)
      [key, field.id]
    end
    health_name = data['healths'].to_h { |h| [h['key'], h['name']] }
    project = Project.create!(name: '成宜合作事项', identifier: IDENTIFIER, description: marker,
                              is_public: true, enabled_module_names: ['issue_tracking'],
                              trackers: [tracker])
    categories = data['categories'].to_h do |c|
      [c['key'], IssueCategory.create!(project: project, name: c['name']).id]
    end

    users = {}
    unless data['users'].empty?
      rows = data['users'].map do |u|
        { login: u['login'], firstname: u['first'], lastname: u['last'], admin: false, status: 1,
          language: 'zh', type: 'User', mail_notification: 'none', must_change_passwd: false,
          hashed_password: '', salt: '', created_on: now, updated_on: now }
      end
      ids = User.insert_all!(rows, returning: %w[id login]).rows.to_h { |id, login| [login, id] }
      data['users'].each { |u| users[u['id']] = ids.fetch(u['login']) }
      EmailAddress.insert_all!(data['users'].map do |u|
        { user_id: users[u['id']], address: u['mail'], is_default: true, notify: false,
          created_on: now, updated_on: now }
      end)
    end

    # The nested set of each tree of items: lft/rgt in visiting order, root_id its top item.
    children = Hash.new { |h, k| h[k] = [] }
    data['items'].each { |i| children[i['parent']] << i['id'] if i['parent'] }
    nest = {}
    visit = lambda do |id, root, counter|
      lft = counter
      counter += 1
      children[id].each { |child| counter = visit.call(child, root, counter) }
      nest[id] = [root, lft, counter]
      counter + 1
    end
    data['items'].each { |i| visit.call(i['id'], i['id'], 1) unless i['parent'] }

    journal_id = 0
    issues, values, journals, details = [], [], [], []
    attr_key = { 'status' => 'status_id', 'progress' => 'done_ratio' }
    data['items'].each do |i|
      root, lft, rgt = nest.fetch(i['id'])
      created = utc(i['created'])
      last = i['journals'].empty? ? created : utc(i['journals'].last['at'])
      issues << {
        id: i['id'], project_id: project.id, tracker_id: tracker.id, subject: i['subject'],
        description: i['description'], status_id: statuses.fetch(i['status']),
        priority_id: priority.id, category_id: categories.fetch(i['category']),
        author_id: users.fetch(i['author'], admin.id), done_ratio: i['progress'],
        start_date: i['start'], due_date: i['due'], parent_id: i['parent'], root_id: root,
        lft: lft, rgt: rgt, lock_version: 0, is_private: false, created_on: created,
        updated_on: last, closed_on: i['closed'] ? last : nil,
      }
      { 'code' => i['code'], 'health' => health_name[i['health']], 'chengdu' => i['chengdu'],
        'yibin' => i['yibin'] }.each do |key, value|
        values << { customized_type: 'Issue', customized_id: i['id'], custom_field_id: fields[key],
                    value: value }
      end
      i['journals'].each do |j|
        journal_id += 1
        at = utc(j['at'])
        journals << { id: journal_id, journalized_id: i['id'], journalized_type: 'Issue',
                      user_id: users.fetch(j['user'], admin.id), notes: j['notes'],
                      private_notes: false, created_on: at }
        j['details'].each do |field, old, new|
          if field == 'health'
            details << { journal_id: journal_id, property: 'cf', prop_key: fields['health'].to_s,
                         old_value: health_name[old], value: health_name[new] }
          else
            old, new = [old, new].map { |v| field == 'status' ? statuses.fetch(v) : v }
            details << { journal_id: journal_id, property: 'attr', prop_key: attr_key[field],
                         old_value: old.to_s, value: new.to_s }
          end
        end
      end
    end
    # Parents first: issues.parent_id refers to issues.
    issues.sort_by { |row| row[:parent_id] ? 1 : 0 }.each_slice(2000) { |s| Issue.insert_all!(s) }
    values.each_slice(5000) { |s| CustomValue.insert_all!(s) }
    journals.each_slice(5000) { |s| Journal.insert_all!(s) }
    details.each_slice(5000) { |s| JournalDetail.insert_all!(s) }
    %w[issues journals].each { |table| connection.reset_pk_sequence!(table) }
  end
  connection.execute('ANALYZE')
end

field_ids = FIELD_NAMES.transform_values { |name| IssueCustomField.find_by!(name: name).id }
issue = CustomValue.find_by!(custom_field_id: field_ids['code'], value: 'G-000001').customized_id
puts 'RESULT ' + JSON.generate(
  loaded: loaded,
  seconds: (Process.clock_gettime(Process::CLOCK_MONOTONIC) - started).round(1),
  api_key: admin.reload.api_key,
  project: IDENTIFIER,
  issue: issue,
  issues: Issue.count,
  journals: Journal.count,
  journals_of_issue: Journal.where(journalized_type: 'Issue', journalized_id: issue).count,
  statuses: IssueStatus.pluck(:name, :id).to_h,
  categories: IssueCategory.pluck(:name, :id).to_h,
  custom_fields: field_ids,
)
